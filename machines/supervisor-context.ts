import type { UpdateRecord } from './update.js';
import type { ActorRefFrom } from 'xstate';
import type { StateChanged } from './announce.js';
import type { ContainerEvent, ContainerObservation } from '../src/domain/container-observation.js';
import type { appMachine } from './app.machine.js';
import type { companionUnitMachine } from './companion-unit.machine.js';
import { companionKey, isCompanionKey, ownerOfKey } from './binding.js';
import { appIdOf } from './orphan.js';
import type { AppSpec, BackoffPolicy, Desired, Looked, PassEntry, PassReport } from './types.js';
import { LABELS } from '../src/domain/labels.js';

// The supervisor's input, context and events, and the small pure helpers its actions use.

export interface DeclaredApp {
  spec: AppSpec;
  desired: Exclude<Desired, 'absent'>;
  /** Apps that must be ready before this one is created or (re)started. */
  dependsOn?: string[];
  /** Companion id → its spec (whose `appId` is the companion's key, `<appId>/<companionId>`). */
  companions?: Record<string, AppSpec>;
  /** The app's update record found at boot (machines/update.ts): its machine resumes from it. */
  update?: UpdateRecord;
}

export interface SupervisorInput {
  apps: Record<string, DeclaredApp>;
  /** Installed apps podwarden cannot manage (broken manifest), with why: their containers are left alone. */
  refused: Record<string, string>;
  backoff: BackoffPolicy;
  /** An embedding daemon holds the gate until it sends RELEASE_GATE (or the cap runs out). */
  holdGateForEmbedder: boolean;
  gateCapMs: number;
  /** Pause between attempts to adopt containers when the engine is not answering at boot. */
  recoverRetryMs: number;
  /** A pass whose apps have not all answered by then is closed with what it has. */
  passTimeoutMs: number;
  /**
   * Who runs companions: `container` = an app machine per companion (podwarden supervises the
   * container), `systemd` = a companion-unit machine (systemd supervises a rendered unit).
   */
  companionBackend?: 'container' | 'systemd';
  /** The clock pass reports are timed by: the machine has none of its own (src/ passes its own). */
  now: () => number;
}

/** Everything the engine showed at one moment: the input of boot recovery and of every pass. */
export interface Snapshot {
  observedAt: number;
  containers: ContainerObservation[];
}

/** An app's machine, or a companion's (an app machine, or a companion-unit machine for systemd). */
type AppRef = ActorRefFrom<typeof appMachine> | ActorRefFrom<typeof companionUnitMachine>;

export interface PassInProgress {
  id: number;
  startedAt: number;
  observed: number;
  pending: string[];
  entries: PassEntry[];
}

export interface SupervisorContext {
  apps: Record<string, DeclaredApp>;
  refused: Record<string, string>;
  /** One machine per key: an app's id, or `<appId>/<companionId>` for a companion. */
  refs: Record<string, AppRef>;
  /** Readiness of each child, as its machine last announced (binding.ts `isAppReady`). */
  ready: Record<string, boolean>;
  /** What each child was last told holds it (DEPENDENCIES), so only changes are sent. */
  holding: Record<string, string[]>;
  companionBackend: 'container' | 'systemd';
  backoff: BackoffPolicy;
  holdGateForEmbedder: boolean;
  embedderReleased: boolean;
  gateCapMs: number;
  recoverRetryMs: number;
  passTimeoutMs: number;
  now: () => number;
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
  /** What the looks actor saw when it looked at a container after its events (see LookRequest). */
  | { type: 'ENGINE.LOOKED'; key: string; look: Looked }
  /** The lister's answer to a pass's LIST: every container podwarden owns (see ListRequest). */
  | { type: 'ENGINE.LISTED'; snapshot: Snapshot }
  | { type: 'ENGINE.LIST_FAILED'; error: unknown }
  | { type: 'RELEASE_GATE' }
  /** `retry`: the owner's `update`, which tries a version the last update rolled back again. */
  | { type: 'INSTALL'; appId: string; app: DeclaredApp; retry?: boolean }
  | { type: 'UNINSTALL'; appId: string }
  | { type: 'SET_DESIRED'; appId: string; desired: Exclude<Desired, 'absent'> }
  /** The owner's restart of an app that should run (its machine stops and starts it; see AppCommand). */
  | { type: 'RESTART'; appId: string }
  /** The owner's rollback of an app's last update (see AppCommand). */
  | { type: 'ROLLBACK'; appId: string }
  | { type: 'SHUTDOWN' }
  | { type: 'APP.PASS_ENTRY'; passId: number; entry: PassEntry }
  /** A child's readiness may have changed (it entered or left `running`). */
  | { type: 'APP.READINESS'; appId: string }
  | { type: 'APP.FINISHED'; appId: string }
  /** A child wants its container looked at (again): a look came too late, or a start just answered. */
  | { type: 'APP.LOOK_AGAIN'; appId: string; containerId: string; after: number }
  /** A child changed its top-level state, as it announced it (announce.ts). */
  | StateChanged;

/** A pass asks the lister for one list call; it answers ENGINE.LISTED or ENGINE.LIST_FAILED. */
export interface ListRequest {
  type: 'LIST';
}

/**
 * What the supervisor asks of its looks actor: inspect this container of this child, because of
 * these engine events (none: the child asked). Requests for one container while a look at it
 * is under way are folded into one more look after it.
 */
export interface LookRequest {
  type: 'LOOK';
  key: string;
  containerId: string;
  events: ContainerEvent[];
  /** The look is dated no earlier than this (ms): the asking machine knows the container as of then. */
  after?: number;
}

/**
 * Each container's child key: its app's id, or `<appId>/<companionId>` for a companion. A
 * companion container without its companion label cannot be attributed and is left alone.
 */
export function byChild(containers: ContainerObservation[]): Map<string, ContainerObservation> {
  const found = new Map<string, ContainerObservation>();
  for (const container of containers) {
    const key = childKeyOf(container.labels);
    if (key) found.set(key, container);
  }
  return found;
}

export function childKeyOf(labels: Record<string, string>): string | undefined {
  const appId = appIdOf(labels);
  if (!appId) return undefined;
  if (labels[LABELS.role] !== 'companion') return appId;
  const companion = labels[LABELS.companion];
  return companion ? companionKey(appId, companion) : undefined;
}

/** Actor ids show the hierarchy in the inspector: `app:lnd`, `companion:lnd/ui`. */
export function childId(key: string): string {
  return isCompanionKey(key) ? `companion:${key}` : `app:${key}`;
}

/** The keys of the companion machines an app has now. */
export function companionKeysOf(refs: Record<string, unknown>, appId: string): string[] {
  return Object.keys(refs).filter((key) => isCompanionKey(key) && ownerOfKey(key) === appId);
}

/** A pass entry as people read it: a companion's entry names its app and itself. */
export function readableEntry(entry: PassEntry): PassEntry {
  if (!isCompanionKey(entry.appId)) return entry;
  return { ...entry, appId: ownerOfKey(entry.appId), companion: entry.appId.slice(ownerOfKey(entry.appId).length + 1) };
}

export function finishedReport(pass: PassInProgress, finishedAt: number): PassReport {
  return {
    passId: pass.id,
    startedAt: pass.startedAt,
    finishedAt,
    observed: pass.observed,
    entries: pass.entries
      .map(readableEntry)
      // Code-point order: locale-aware comparison made sorting a quiet pass of 1 000 apps cost more than the list call.
      .sort((a, b) => byCodePoint(a.appId, b.appId) || byCodePoint(a.companion ?? '', b.companion ?? '')),
  };
}

function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
