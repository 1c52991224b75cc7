import type { ActorRefFrom } from 'xstate';
import type { ContainerEvent, ContainerObservation } from '../src/engine/port.js';
import type { appMachine } from './app.machine.js';
import { appIdOf } from './orphan.js';
import type { AppSpec, BackoffPolicy, Desired, PassEntry, PassReport } from './types.js';
import { LABELS } from '../src/engine/labels.js';

// The supervisor's input, context and events, and the small pure helpers its actions use.

export interface DeclaredApp {
  spec: AppSpec;
  desired: Exclude<Desired, 'absent'>;
}

export interface SupervisorInput {
  apps: Record<string, DeclaredApp>;
  /** Installed apps podwarden cannot manage (broken manifest), with why: their containers are left alone. */
  held: Record<string, string>;
  backoff: BackoffPolicy;
  /** An embedding daemon holds the gate until it sends RELEASE_GATE (or the cap runs out). */
  holdGateForEmbedder: boolean;
  gateCapMs: number;
  /** Pause between attempts to adopt containers when the engine is not answering at boot. */
  recoverRetryMs: number;
  /** A pass whose apps have not all answered by then is closed with what it has. */
  passTimeoutMs: number;
}

/** Everything the engine showed at one moment: the input of boot recovery and of every pass. */
export interface Snapshot {
  observedAt: number;
  containers: ContainerObservation[];
}

type AppRef = ActorRefFrom<typeof appMachine>;

export interface PassInProgress {
  id: number;
  startedAt: number;
  observed: number;
  pending: string[];
  entries: PassEntry[];
}

export interface SupervisorContext {
  apps: Record<string, DeclaredApp>;
  held: Record<string, string>;
  refs: Record<string, AppRef>;
  backoff: BackoffPolicy;
  holdGateForEmbedder: boolean;
  embedderReleased: boolean;
  gateCapMs: number;
  recoverRetryMs: number;
  passTimeoutMs: number;
  /** What boot recovery found, handed to each machine at spawn so fine containers are adopted as they are. */
  adopted: Snapshot | undefined;
  recoveryError: string | undefined;
  passSeq: number;
  pass: PassInProgress | undefined;
  /** A tick or resync arrived during a pass: run one more right after it. */
  passQueued: boolean;
}

export type SupervisorEvent =
  | { type: 'TICK' }
  | { type: 'ENGINE.CONNECTED'; reconnect: boolean }
  | { type: 'ENGINE.CONTAINER'; event: ContainerEvent }
  | { type: 'RELEASE_GATE' }
  | { type: 'INSTALL'; appId: string; app: DeclaredApp }
  | { type: 'UNINSTALL'; appId: string }
  | { type: 'SET_DESIRED'; appId: string; desired: Exclude<Desired, 'absent'> }
  | { type: 'SHUTDOWN' }
  | { type: 'APP.PASS_ENTRY'; passId: number; entry: PassEntry }
  | { type: 'APP.FINISHED'; appId: string };

export function byApp(containers: ContainerObservation[]): Map<string, ContainerObservation> {
  const found = new Map<string, ContainerObservation>();
  for (const container of containers) {
    const appId = appIdOf(container.labels);
    if (appId && container.labels[LABELS.role] !== 'companion') found.set(appId, container);
  }
  return found;
}

export function childId(appId: string): string {
  return `app:${appId}`;
}

export function finishedReport(pass: PassInProgress, finishedAt: number): PassReport {
  return {
    passId: pass.id,
    startedAt: pass.startedAt,
    finishedAt,
    observed: pass.observed,
    entries: [...pass.entries].sort((a, b) => a.appId.localeCompare(b.appId)),
  };
}
