import type { ContainerObservation, EngineHealthcheck } from '../src/domain/container-observation.js';
import type { EngineErrorCode } from '../src/domain/engine-error.js';
import { passStep, tableStep, type Step } from './step.js';
import type { StepCause } from './step-cause.js';
import { classifyExit, failureFields, type FailureReason, type ProbeRole } from './failure.js';
import type {
  AppEvent,
  AppSpec,
  BackoffPolicy,
  Desired,
  Observed,
  PassEntry,
  ProbeResult,
  ProbeSpec,
  StepOutcome,
} from './types.js';
import { LABELS } from '../src/domain/labels.js';
import { probeFromImageHealthcheck } from './image-healthcheck.js';
import { seedOf } from './backoff.js';
import { killedBy, type OutsideKill } from './outside-kill.js';
import { isRejected, keptOnOldImage, resumedUpdate, type UpdateRecord } from './update.js';

// What an app machine knows of its container, and how step answers and probe verdicts change
// that knowledge (which observations are believed at all: app-freshness.ts). Pure functions
// over the machine's context.

export interface AppInput {
  spec: AppSpec;
  desired: Desired;
  /** What boot recovery or the last pass saw; undefined = not observed yet. */
  observation: Observed | undefined;
  backoff: BackoffPolicy;
  /** Dependencies (or a companion's app) not ready at spawn; see the DEPENDENCIES event. */
  waitingFor?: string[];
  /** Spreads this app's backoff jitter; the orchestrator draws it at random, tests fix it. */
  seed?: number;
  /** The app's update record found at boot (src/updates/update-record.ts). */
  update?: UpdateRecord;
}

/** A probe's run of equal verdicts, and what it saw last. */
export interface ProbeStreak {
  failures: number;
  successes: number;
  lastOutput: string;
  target: string;
}

export const NO_STREAK: ProbeStreak = { failures: 0, successes: 0, lastOutput: '', target: '' };

export interface AppContext {
  appId: string;
  spec: AppSpec;
  desired: Desired;
  container: Observed | undefined;
  /** Consecutive failures (crashes and failed steps); reset after a stable run. */
  failures: number;
  /** Why the app is where it is, for people: the last decision or failure. */
  reason: string;
  /** The last failure, kept while backing off or failed; `describeFailure` gives its text. */
  failure: FailureReason | undefined;
  /**
   * Running, its startup probe passed and its readiness probe's verdict is success (without
   * those probes: running). Dependents and companions wait for this.
   */
  ready: boolean;
  /** The top-level state last announced (announce.ts): null before the first. */
  announced: string | null;
  /** Consecutive exits within QUICK_EXIT_MS of their start: enough of them make a bad config. */
  quickExits: number;
  probes: Record<ProbeRole, ProbeStreak>;
  /** A probe condemned the running container: the next decision replaces (or restarts) it. */
  condemned: boolean;
  /** Restarts within the budget's window. */
  restartsInWindow: number;
  /** Bumped when the owner re-arms the budget, so expiries scheduled before are ignored. */
  budgetEpoch: number;
  seed: number;
  /**
   * ms since epoch as of which the machine knows its container (app-freshness.ts): when the
   * engine was asked for the newest observation it believed, or its own last step answered.
   */
  knownAsOf: number;
  /** Set by SHUTDOWN during a step: the step finishes, nothing follows it. */
  halting: boolean;
  /** The newest `kill` or `stop` behind a believed look: someone else's doing (see outside-kill.ts). */
  outsideKill?: OutsideKill;
  backoff: BackoffPolicy;
  /** What holds the app back from being created or (re)started; empty = nothing. */
  waitingFor: string[];
  /** Why the start under way was decided: set when its pre-start render begins. */
  startCause?: StepCause;
  /** What the health check of a container (its image's HEALTHCHECK) said, once read; see `imageLiveness`. */
  imageProbe?: ImageProbe;
  /** An update under way (machines/update.ts): preparing, on trial, or rolling back. */
  update?: UpdateRecord;
  /** How the last update ended; a version it rolled back is not tried again unasked. */
  lastUpdate?: UpdateRecord;
  /** A manifest that arrived during an update: taken once the update ends. */
  stashedSpec?: AppSpec;
}

/**
 * What a new app machine knows: what boot recovery or the last pass saw, and no failures yet.
 * An update podwarden stopped in the middle of is rolled back; a version the last update
 * rolled back is not run even when the catalog still offers it (the old one is).
 */
export function initialContext(input: AppInput): AppContext {
  const record = input.update;
  const inFlight = record && record.result === undefined ? resumedUpdate(record) : undefined;
  const keepsOld = inFlight !== undefined || (record !== undefined && isRejected(record, input.spec));
  const spec = keepsOld ? record!.from : keptOnOldImage(record, input.spec);
  // The catalog offers a third version: it is tried, as an update, once the old one runs again.
  const offered = keepsOld && ![record!.from.specHash, record!.to.specHash].includes(input.spec.specHash);
  return {
    ...(inFlight ? { update: inFlight } : record ? { lastUpdate: record } : {}),
    ...(offered ? { stashedSpec: input.spec } : {}),
    appId: input.spec.appId,
    spec,
    desired: input.desired,
    container: input.observation,
    failures: 0,
    reason: input.observation === undefined ? 'waiting for the first observation' : '',
    failure: undefined,
    ready: false,
    announced: null,
    quickExits: 0,
    probes: freshProbeStreaks(),
    condemned: false,
    restartsInWindow: 0,
    budgetEpoch: 0,
    seed: input.seed ?? seedOf(input.spec.appId),
    knownAsOf: 0,
    halting: false,
    backoff: input.backoff,
    waitingFor: input.waitingFor ?? [],
  };
}

/** The liveness probe a container's own health check gives (undefined: it has none), for that container only. */
export interface ImageProbe {
  containerId: string;
  probe: ProbeSpec | undefined;
}

/** Outcome of reading the container's health check. */
export interface ImageHealthcheckOutcome {
  containerId: string;
  /** Absent: the container has none (or is gone). */
  healthcheck?: EngineHealthcheck;
}

/** Outcome of a pull: which image is now present. */
export interface PullOutcome extends StepOutcome {
  ref: string;
}

/** Outcome of a step that made a container. */
export interface CreateOutcome extends StepOutcome {
  id: string;
  /** The spec hash of the spec the container was created from. */
  specHash: string;
}

export interface ContainerInput {
  spec: AppSpec;
  containerId: string;
  /** Why the step runs, for the intent journal. */
  cause?: StepCause;
}

/** Errors reaching the machine from effects: the code drives the next state, the message is the reason. */
export interface StepError {
  code: EngineErrorCode | 'unknown';
  message: string;
}

export function stepError(error: unknown): StepError {
  if (error && typeof error === 'object' && 'message' in error) {
    const code = 'code' in error && typeof error.code === 'string' ? error.code : 'unknown';
    return { code: code as StepError['code'], message: String(error.message) };
  }
  return { code: 'unknown', message: String(error) };
}

export function containerId(context: AppContext): string {
  return context.container?.id ?? '';
}

/** A (re)started container's earlier health verdict no longer holds: a check starts over. */
export function runAgain(container: ContainerObservation): ContainerObservation {
  return { ...container, status: 'running', pid: undefined, health: container.health === 'none' ? 'none' : 'starting' };
}

/** The decision table's verdict on what the machine knows (step.ts; computed once per container it knows). */
export function currentDecision(context: AppContext): Step {
  return tableStep(context.desired, context.container ?? null, context.spec);
}

export function waitingReason(context: AppContext): string {
  return `waiting for ${context.waitingFor.join(', ')}`;
}

/** The container create made, labelled with the spec it was made from (the manifest may have changed since). */
export function createdContainer(context: AppContext, made: CreateOutcome): Observed {
  const spec = context.spec.container;
  return {
    id: made.id,
    name: spec.name,
    image: spec.image,
    status: 'created',
    health: 'none',
    labels: { ...spec.labels, [LABELS.specHash]: made.specHash },
  };
}

/**
 * The app's answer to a pass observation: what the decision table asks for, or that a step
 * is under way (`busy`: the observation was only recorded). `state` is where the observation
 * found the machine.
 */
export function passAnswer(context: AppContext, event: AppEvent, state: unknown, busy: boolean) {
  const entry: PassEntry = busy
    ? { appId: context.appId, state: stateName(state), action: 'wait', busy: true }
    : {
        appId: context.appId,
        state: stateName(state),
        action: passStep(context, state).step,
        busy: false,
        ...failureFields(context.failure),
      };
  return { type: 'APP.PASS_ENTRY' as const, passId: event.type === 'OBSERVED' ? event.passId : -1, entry };
}

/** A resting machine keeps the same state value object from pass to pass: its text is made once. */
const stateNames = new WeakMap<object, string>();

function stateName(value: unknown): string {
  if (typeof value !== 'object' || value === null) return String(value);
  let name = stateNames.get(value);
  if (name === undefined) {
    name = JSON.stringify(value);
    stateNames.set(value, name);
  }
  return name;
}

/** Why the container failed by itself, from what is known of it now. */
export function containerFailure(context: AppContext): FailureReason {
  const container = context.container;
  if (container?.status === 'exited') {
    const limit = container.resources?.memoryBytes ?? context.spec.container.resources?.memoryBytes;
    return classifyExit(container, context.quickExits, limit, killedBy(context, container));
  }
  const decision = currentDecision(context);
  return { kind: 'container-broken', detail: decision.why, ...(decision.unhealthy ? { health: 'unhealthy' } : {}) };
}

/** The probe podwarden runs for `role`: the declared one, else (liveness only) the image's health check once read. */
export function probeOf(context: AppContext, role: ProbeRole): ProbeSpec | undefined {
  const declared = context.spec.probes?.[role];
  if (declared !== undefined || role !== 'liveness') return declared;
  return imageLiveness(context);
}

function usesImageHealthcheck(context: AppContext): boolean {
  return context.spec.imageHealthcheck === true && context.spec.probes?.liveness === undefined;
}

/** The current container's own health check as the liveness probe, when the app uses it and it was read. */
export function imageLiveness(context: AppContext): ProbeSpec | undefined {
  const known = context.imageProbe;
  return usesImageHealthcheck(context) && known?.containerId === containerId(context) ? known.probe : undefined;
}

/** The app would use the container's own health check, but this container's has not been read yet. */
export function imageHealthcheckUnread(context: AppContext): boolean {
  return usesImageHealthcheck(context) && context.imageProbe?.containerId !== containerId(context);
}

export function learnedImageProbe(outcome: ImageHealthcheckOutcome): ImageProbe {
  return {
    containerId: outcome.containerId,
    probe: outcome.healthcheck === undefined ? undefined : probeFromImageHealthcheck(outcome.healthcheck),
  };
}

/** A failed result within the probe's start period says nothing yet. */
export function failureCounts(context: AppContext, result: ProbeResult): boolean {
  const probe = probeOf(context, result.role);
  if (!probe || result.ok) return false;
  return result.at >= (context.container?.startedAt ?? 0) + probe.startPeriodMs;
}

export function nextStreak(context: AppContext, result: ProbeResult): ProbeStreak {
  const streak = context.probes[result.role];
  const seen = { lastOutput: result.output, target: result.target };
  if (result.ok) return { failures: 0, successes: streak.successes + 1, ...seen };
  if (!failureCounts(context, result)) return { ...streak, ...seen };
  return { failures: streak.failures + 1, successes: 0, ...seen };
}

/** This result makes the probe's verdict `failing`: its failureThreshold-th counted failure in a row. */
export function probeGivesUp(context: AppContext, event: AppEvent, role: ProbeRole): boolean {
  if (event.type !== 'PROBE_RESULT' || event.role !== role) return false;
  const probe = probeOf(context, role);
  return (
    probe !== undefined && failureCounts(context, event) && context.probes[role].failures + 1 >= probe.failureThreshold
  );
}

/** This result makes the probe's verdict `passing`: its successThreshold-th success in a row. */
export function probePasses(context: AppContext, event: AppEvent, role: ProbeRole): boolean {
  if (event.type !== 'PROBE_RESULT' || event.role !== role || !event.ok) return false;
  const probe = probeOf(context, role);
  return probe !== undefined && context.probes[role].successes + 1 >= probe.successThreshold;
}

export function probeFailure(context: AppContext, role: ProbeRole): FailureReason {
  const streak = context.probes[role];
  return { kind: 'probe-failing', role, target: streak.target, output: streak.lastOutput, failures: streak.failures };
}

export function freshProbeStreaks(): Record<ProbeRole, ProbeStreak> {
  return { startup: NO_STREAK, liveness: NO_STREAK, readiness: NO_STREAK };
}
