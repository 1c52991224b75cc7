import { backoffDelay } from '../../machines/backoff.js';
import { decide } from '../../machines/decide.js';
import type { StepName } from '../../machines/step.js';
import type { BackoffPolicy, Desired } from '../../machines/types.js';
import { LABELS } from '../../src/domain/labels.js';
import type { ContainerObservation, ContainerStatus } from '../../src/domain/container-observation.js';
import type { EngineErrorCode } from '../../src/domain/engine-error.js';
import type { WorldModel } from './paths.js';
import {
  ended,
  inFlightRecord,
  isUpdatePhase,
  MODEL_UPDATE_POLICY,
  nextPreparingPhase,
  rejects,
  resumed,
  rollbackPhase,
  updateKey,
  type InFlight,
  type ModelRecord,
  type Trial,
} from './app-update-world.js';

/**
 * An abstract, finite model of everything outside one app machine (engine answers, engine
 * events, pass observations, owner commands, time) together with the state the machine is
 * expected to be in. It is written from the machine's documented intent, not from its code,
 * so a disagreement between the two is a finding about one of them.
 */

/** The states a person sees; compound `running` is spelled with its child, as snapshots show it. */
export type Phase =
  | 'unborn'
  | 'observing'
  | 'waiting'
  | 'pulling'
  | 'creating'
  | 'rendering'
  | 'starting'
  | 'confirming'
  | 'running.settling'
  | 'running.stable'
  | 'backoff'
  | 'restarting'
  | 'recreating'
  | 'stopping'
  | 'stopped'
  | 'removing'
  | 'removed'
  | 'halted'
  | 'failed'
  | UpdatePhaseName;

/** The update world's steps (machines/app-updating.ts), named `updating.x` and `rollingBack.x`, and the effect each runs. */
export const UPDATE_STEP_EFFECTS = {
  'updating.recording': 'saveUpdate',
  'updating.fetching': 'pullImage',
  'updating.stoppingOld': 'stopContainer',
  'updating.snapshotting': 'snapshotData',
  'updating.replacing': 'removeContainer',
  'updating.handingOver': 'saveUpdate',
  'rollingBack.noting': 'saveUpdate',
  'rollingBack.removingNew': 'removeContainer',
  'rollingBack.restoring': 'restoreData',
  'rollingBack.recording': 'saveUpdate',
} as const;

export type UpdatePhaseName = keyof typeof UPDATE_STEP_EFFECTS;

/** Where a running app's probes are: the startup probe has not passed, or not ready, or ready. */
export type Health = 'startingUp' | 'unready' | 'ready';
export type ProbeRole = 'startup' | 'liveness' | 'readiness';

export type EffectName =
  | 'pullImage'
  | 'createContainer'
  | 'renderFiles'
  | 'startContainer'
  | 'stopContainer'
  | 'removeContainer'
  | 'readImageHealthcheck'
  | 'saveUpdate'
  | 'snapshotData'
  | 'restoreData';

/** Where a running app's liveness check is: reading the container's own health check, probing, or none. */
export type Liveness = 'reading' | 'probing' | 'unprobed';

/** Steps run one engine call each; while one runs, the world may answer it. */
export const STEP_EFFECTS: Partial<Record<Phase, EffectName>> = {
  pulling: 'pullImage',
  creating: 'createContainer',
  rendering: 'renderFiles',
  starting: 'startContainer',
  restarting: 'stopContainer',
  recreating: 'removeContainer',
  stopping: 'stopContainer',
  removing: 'removeContainer',
  ...UPDATE_STEP_EFFECTS,
};

/** Two representative engine failures per step; `not-found` is the one the machine treats apart. */
export const STEP_FAILURES: Partial<Record<Phase, EngineErrorCode[]>> = {
  pulling: ['image-not-found', 'registry-unreachable'],
  creating: ['image-not-found', 'name-conflict'],
  // A render fails by itself (a missing value, a bad template); the code is not looked at.
  rendering: ['engine'],
  starting: ['not-found', 'port-in-use'],
  restarting: ['not-found', 'engine'],
  recreating: ['engine'],
  stopping: ['not-found', 'engine'],
  removing: ['unreachable'],
  ...Object.fromEntries(Object.keys(UPDATE_STEP_EFFECTS).map((phase) => [phase, ['engine']])),
};

/** What the machine knows of its container, reduced to what the decision table looks at. */
export interface Box {
  status: ContainerStatus;
  /** Made from a manifest older than the current spec. */
  outdated: boolean;
  unhealthy: boolean;
  /** Reported running with pid 0: the process is gone. */
  pidGone: boolean;
  /** When its current run began, if known (from the engine, or from podwarden's own start). */
  startedAt: number | undefined;
}

/** undefined = never observed, null = observed to have no container. */
export type Known = Box | null | undefined;

export const START_TIME = 1_000_000;
/** Containers the world shows podwarden have run since before it started (but a created one). */
const EARLIER_RUN_STARTED = START_TIME - 1;

function box(status: ContainerStatus, extra: Partial<Box> = {}): Box {
  return {
    status,
    outdated: false,
    unhealthy: false,
    pidGone: false,
    startedAt: status === 'created' ? undefined : EARLIER_RUN_STARTED,
    ...extra,
  };
}

/** One representative observation per row of the decision table. */
export const SIGHTINGS = {
  none: null,
  running: box('running'),
  'running-outdated': box('running', { outdated: true }),
  'running-pid-gone': box('running', { pidGone: true }),
  'running-unhealthy': box('running', { unhealthy: true }),
  exited: box('exited'),
  'exited-outdated': box('exited', { outdated: true }),
  created: box('created'),
  paused: box('paused'),
  restarting: box('restarting'),
  removing: box('removing'),
  dead: box('dead'),
  unknown: box('unknown'),
} satisfies Record<string, Box | null>;

export type Sighting = keyof typeof SIGHTINGS;
export const SIGHTING_NAMES = Object.keys(SIGHTINGS) as Sighting[];
const STALE_SIGHTINGS: Sighting[] = ['none', 'running', 'exited', 'running-unhealthy'];
const STALE_LOOK_SIGHTINGS: Sighting[] = ['none', 'running', 'exited'];

/** What a look at the container may see: one representative per kind of news. */
const LOOK_SIGHTINGS: Sighting[] = ['none', 'running', 'exited', 'running-unhealthy', 'paused'];

/**
 * How a look relates to what the machine knows: asked at or after it (`fresh`), asked before
 * (`stale`: a step answered in between), or of another container of the app (`other`: an
 * earlier one, whose events podman may still deliver).
 */
export type LookAge = 'fresh' | 'stale' | 'other';

export type WorldEvent =
  /** The machine is spawned: later installs come unobserved, boot adoption brings a sighting. */
  | { type: 'BOOT'; desired: Desired; sighting: Sighting | 'unobserved'; inFlight?: InFlight; third?: boolean }
  | { type: 'ENGINE.OK' }
  | { type: 'ENGINE.FAIL'; code: EngineErrorCode }
  /** A look at the container the supervisor made after engine events (or because the machine asked). */
  | { type: 'LOOKED'; sighting: Sighting; age: LookAge }
  | { type: 'OBSERVED'; sighting: Sighting; age: 'fresh' | 'stale' }
  | { type: 'SET_DESIRED'; desired: Desired }
  | { type: 'UPDATE_SPEC' }
  /** A manifest change that leaves the container spec as it is (rendered files, image policy). */
  | { type: 'UPDATE_FILES' }
  /** The answer of a render the running app's pass asked for: files unchanged, rewritten, or the render failed. */
  | { type: 'RENDER.ANSWER'; outcome: RenderAnswer }
  /** The supervisor says a dependency is not ready (`ready: false`) or all are again. */
  | { type: 'DEPENDENCIES'; ready: boolean }
  | { type: 'SHUTDOWN' }
  /** A probe of the running container reports a verdict. */
  | { type: 'PROBE'; role: ProbeRole; ok: boolean }
  /** The read of the container's own health check answers: it has one, or the engine failed. */
  | { type: 'IMAGE_CHECK'; found: boolean }
  /** The owner asks for the app again (install, start). */
  | { type: 'RETRY' }
  /** The owner restarts the app (it should run). */
  | { type: 'RESTART' }
  /** The engine removed a foreign container holding the app's container name. */
  | { type: 'NAME.FREED' }
  /** The backoff delay elapses (the rig checks nothing happens 1 ms before). */
  | { type: 'TIME.BACKOFF' }
  /** The container stays up for the stable period. */
  | { type: 'TIME.STABLE' }
  /** A long time passes where no timer is due: nothing may happen. */
  | { type: 'TIME.PASSES' }
  /** The update world: the catalog offers a new version (`stopFirst`: its strategy is stop-first). */
  | { type: 'OFFER'; stopFirst: boolean }
  /** The version the last update rolled back is offered again: by the catalog, or by the owner's `update` (`retry`). */
  | { type: 'OFFER_AGAIN'; retry: boolean }
  /** The owner's `rollback`. */
  | { type: 'ROLLBACK' }
  /** The new version has been ready for minHealthy. */
  | { type: 'TIME.MIN_HEALTHY' }
  /** The new version's trial reaches its deadline. */
  | { type: 'TIME.DEADLINE' };

export type RenderAnswer = 'same' | 'changed' | 'fail';
const RENDER_ANSWERS: RenderAnswer[] = ['same', 'changed', 'fail'];

export interface AppWorld {
  phase: Phase;
  /** While running: a pass asked for the files to be rendered again and the render is under way. */
  rerendering: boolean;
  desired: Desired;
  known: Known;
  /** SHUTDOWN arrived during a step. */
  halting: boolean;
  /** UPDATE_SPEC arrived while the image was pulled or the container made for the previous spec. */
  specMovedDuringStep: boolean;
  /** A dependency is not ready: creating or (re)starting the container must wait. */
  blocked: boolean;
  /** Where the probes are, while running. */
  health: Health;
  /** Where the liveness check is, while running past the startup probe. */
  liveness: Liveness;
  /** The container (serial) whose own health check has been read; -1 = none. */
  imageRead: number;
  /** Counted probe failures in a row, per role. */
  probeFails: Record<ProbeRole, number>;
  /** A probe gave up on the running container: the next decision replaces or restarts it. */
  condemned: boolean;
  /** The last failure was a create refused because a foreign container holds the name. */
  nameTaken: boolean;
  /** When each restart still inside the budget's window was spent. */
  spends: number[];
  /**
   * The self-healing world: the spec declares probes and the policy a restart budget. Its own,
   * smaller world (fewer sightings and engine events) keeps the graph small; the main world
   * has neither, so its graph stays what it was.
   */
  heal: boolean;
  /**
   * The update world: spec versions carry an update policy (a snapshot, a readiness probe to
   * judge the trial by) and a restart budget; no rendered files, a few sightings.
   */
  updates: boolean;
  /** An update under way (the machine's `update`), its last one (`lastUpdate`), a manifest stashed meanwhile. */
  record: ModelRecord | undefined;
  last: ModelRecord | undefined;
  stashed: number | undefined;
  /** Where the running app's trial region is. */
  trial: Trial;
  // Bookkeeping below never decides which transition is taken, so it is left out of the
  // serialized state: the graph stays finite, and the rig replays paths with exact values.
  failures: number;
  /** A failure is on record (reported in pass entries until a stable run clears it). */
  failure: boolean;
  now: number;
  /**
   * As of when the machine knows its container: when the engine was asked for the newest
   * observation it believed, or its last step answered; 0 = never. Older observations are stale.
   */
  knownAsOf: number;
  /** When the step under way began. */
  stepBegunAt: number;
  specVersion: number;
  /** The newest version the catalog offered. */
  offered: number;
  /** Versions whose update strategy is stop-first. */
  stopFirst: number[];
  /** When the app last entered running (the stable period counts from then) and its trial began. */
  runningSince: number;
  /** The engine's current container is `ctr-<serial>`: a new one per create. */
  containerSerial: number;
  backoff: BackoffPolicy;
}

/** What the machine must say to its parent in reaction to one event. */
export interface Expectation {
  passEntry?: { state: string; action: StepName; busy: boolean; failure: boolean };
  finished: boolean;
  /** The machine asks for a look at its container (APP.LOOK_AGAIN). */
  lookAgain?: boolean;
}

/**
 * The budget's window and the stable period are longer than all backoffs of the longest walk
 * together (300 × 4 s), so restarts leave the window only when a long while passes: the model
 * can count them without tracking time exactly.
 */
export const MODEL_BACKOFF: BackoffPolicy = {
  initialMs: 1_000,
  factor: 2,
  maxMs: 4_000,
  resetAfterMs: 2_000_000,
  jitter: 0,
  budget: { restarts: 1, windowMs: 2_000_000 },
};

/**
 * Spec versions alternate between two ways of declaring probes, so UPDATE_SPEC walks through
 * both: odd ones declare all three roles and recreate the container on a liveness failure;
 * even ones declare none, so the container's own health check (its image's HEALTHCHECK) is
 * the liveness probe, and restart the container in place.
 */
export function declaredRoles(world: Pick<AppWorld, 'heal' | 'specVersion' | 'updates'>): ProbeRole[] {
  // The update world's versions are judged by their readiness (the trial counts ready time).
  if (world.updates) return ['readiness'];
  if (!world.heal) return [];
  return world.specVersion % 2 === 1 ? ['startup', 'liveness', 'readiness'] : [];
}
/** The liveness probe comes from the container's own health check. */
export function usesImageCheck(world: Pick<AppWorld, 'heal' | 'specVersion'>): boolean {
  return world.heal && world.specVersion % 2 === 0;
}
export function restartsInPlace(world: Pick<AppWorld, 'heal' | 'specVersion'>): boolean {
  return world.heal && world.specVersion % 2 === 0;
}

/** Where liveness and readiness begin once the startup probe passed (or there is none). */
function enterWatching(world: AppWorld): Pick<AppWorld, 'health' | 'liveness'> {
  const roles = declaredRoles(world);
  const liveness: Liveness = roles.includes('liveness')
    ? 'probing'
    : usesImageCheck(world)
      ? world.imageRead === world.containerSerial
        ? 'probing'
        : 'reading'
      : 'unprobed';
  return { health: roles.includes('readiness') ? 'unready' : 'ready', liveness };
}

/** Where the probes begin when the app enters running. */
function probesOnEntry(world: AppWorld): Pick<AppWorld, 'health' | 'liveness'> {
  if (declaredRoles(world).includes('startup')) return { health: 'startingUp', liveness: 'unprobed' };
  return enterWatching(world);
}

/** The container's own health check is being read (an effect runs while the app runs). */
export function isReadingImageCheck(world: AppWorld): boolean {
  return isRunningPhase(world.phase) && world.health !== 'startingUp' && world.liveness === 'reading';
}
/**
 * Probe thresholds in the model: startup and liveness act on their second failure in a row
 * (hysteresis); readiness on its first, which keeps the model small. One success is enough.
 */
export const MODEL_FAILURE_THRESHOLD: Record<ProbeRole, number> = { startup: 2, liveness: 2, readiness: 1 };
const NO_FAILS: Record<ProbeRole, number> = { startup: 0, liveness: 0, readiness: 0 };
/** Longer than any timer the machine could have, so a spurious one would fire. */
export const LONG_WHILE = MODEL_BACKOFF.maxMs + MODEL_BACKOFF.resetAfterMs + 1;
export function initialWorld(heal = false, updates = false): AppWorld {
  const { budget: _budget, ...unbudgeted } = MODEL_BACKOFF;
  const backoff: BackoffPolicy = heal || updates ? MODEL_BACKOFF : unbudgeted;
  return {
    heal,
    updates,
    record: undefined,
    last: undefined,
    stashed: undefined,
    trial: 'none',
    offered: 1,
    stopFirst: [],
    runningSince: 0,
    phase: 'unborn',
    rerendering: false,
    desired: 'running',
    known: undefined,
    halting: false,
    specMovedDuringStep: false,
    blocked: false,
    health: 'startingUp',
    liveness: 'unprobed',
    imageRead: -1,
    probeFails: NO_FAILS,
    condemned: false,
    nameTaken: false,
    spends: [],
    failures: 0,
    failure: false,
    now: START_TIME,
    knownAsOf: 0,
    stepBegunAt: 0,
    specVersion: 1,
    containerSerial: 0,
    backoff,
  };
}

export function isStepPhase(phase: Phase): boolean {
  return STEP_EFFECTS[phase] !== undefined;
}

export function isFinalPhase(phase: Phase): boolean {
  return phase === 'removed' || phase === 'halted';
}

/** The machine's state value for a world: running shows its uptime, its config render and its probes. */
type StateFields = Pick<
  AppWorld,
  'phase' | 'rerendering' | 'health' | 'liveness' | 'heal' | 'updates' | 'specVersion' | 'trial'
>;

export function stateValue(world: StateFields): unknown {
  if (isUpdatePhase(world.phase)) {
    const [parent, child] = world.phase.split('.') as [string, string];
    return { [parent]: child };
  }
  if (!world.phase.startsWith('running.')) return world.phase;
  const readiness = declaredRoles(world).includes('readiness') ? { probing: world.health } : 'unprobed';
  const liveness = world.liveness === 'reading' ? 'readingImageCheck' : world.liveness;
  const probes = world.health === 'startingUp' ? 'startingUp' : { watching: { liveness, readiness } };
  const trial = world.trial === 'unproven' || world.trial === 'proving' ? { judging: world.trial } : world.trial;
  return {
    running: {
      trial,
      uptime: world.phase.slice('running.'.length),
      config: world.rerendering ? 'rerendering' : 'idle',
      probes,
    },
  };
}

export function stateString(world: StateFields): string {
  const value = stateValue(world);
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function isRunningPhase(phase: Phase): boolean {
  return phase.startsWith('running.');
}

export const SPEC_HASH_LABEL = LABELS.specHash;
export const APP_LABEL = LABELS.app;
export const APP_ID = 'demo';
export const STALE_CONTAINER_ID = 'ctr-stale';

export function specHash(version: number): string {
  return `h${version}`;
}

export function containerIdOf(world: AppWorld): string {
  return `ctr-${world.containerSerial}`;
}

/** The concrete observation the engine would report for an abstract container. */
export function toObservation(world: AppWorld, known: Box): ContainerObservation {
  return {
    id: containerIdOf(world),
    name: `podwarden-${APP_ID}`,
    image: 'registry.local/demo:1',
    status: known.status,
    health: known.unhealthy ? 'unhealthy' : 'none',
    labels: { [APP_LABEL]: APP_ID, [SPEC_HASH_LABEL]: known.outdated ? 'h-old' : specHash(world.specVersion) },
    ...(known.status === 'running' ? { pid: known.pidGone ? 0 : 4242 } : {}),
    ...(known.status === 'exited' ? { exitCode: 1 } : {}),
    ...(known.startedAt !== undefined ? { startedAt: known.startedAt } : {}),
  };
}

/** The abstraction of a concrete container, so the rig can compare the machine's knowledge. */
export function toBox(observation: ContainerObservation | null | undefined, currentHash: string): Known {
  if (observation === undefined || observation === null) return observation;
  return {
    status: observation.status,
    outdated: observation.labels[SPEC_HASH_LABEL] !== currentHash,
    unhealthy: observation.health === 'unhealthy',
    pidGone: observation.pid === 0,
    startedAt: observation.startedAt,
  };
}

export function describeKnown(known: Known): string {
  if (known === undefined) return 'unobserved';
  if (known === null) return 'none';
  const marks = [
    known.outdated && 'outdated',
    known.unhealthy && 'unhealthy',
    known.pidGone && 'pid-gone',
    known.startedAt !== undefined && 'started',
  ].filter(Boolean);
  return [known.status, ...marks].join('+');
}

function decisionOf(world: AppWorld, known: Known = world.known) {
  return decide(world.desired, known ? toObservation(world, known) : null, { specHash: specHash(world.specVersion) });
}

/** Would create or (re)start while a dependency is not ready: it waits instead. */
function waitsForDependencies(world: AppWorld, known: Known = world.known): boolean {
  const action = decisionOf(world, known).action;
  return world.blocked && (action === 'create' || action === 'start' || action === 'recreate');
}

/**
 * What a pass entry names (machines/step.ts `passStep`): the next step as `deciding` would take
 * it, and for a running app of the main world (its spec has rendered files) the render every
 * pass makes.
 */
function passActionOf(world: AppWorld): StepName {
  if (world.known === undefined) return 'wait';
  if (world.condemned && world.desired === 'running' && world.known?.status === 'running') {
    return restartsInPlace(world) ? 'restart' : 'recreate';
  }
  if (waitsForDependencies(world)) return 'wait';
  const action = decisionOf(world).action;
  return action === 'none' && world.phase.startsWith('running') && rendersFiles(world) ? 'render' : action;
}

/** Only the main world's spec has rendered files (a quiet pass renders them again). */
function rendersFiles(world: Pick<AppWorld, 'heal' | 'updates'>): boolean {
  return !world.heal && !world.updates;
}

/** The state key the path generator uses: everything that decides what can happen next. */
export function serializeWorld(world: AppWorld): string {
  if (isFinalPhase(world.phase)) return world.phase;
  return [
    world.phase,
    world.rerendering ? 'rerendering' : '',
    world.desired,
    describeKnown(world.known),
    world.halting ? 'halting' : '',
    world.specMovedDuringStep ? 'spec-moved' : '',
    world.blocked ? 'blocked' : '',
    // Whether anything is dated yet: only then can an observation be older than what is known.
    // (The update world offers no stale observations: it leaves this out, to stay small.)
    world.knownAsOf > 0 && !world.updates ? 'dated' : '',
    // Probe streaks matter only while running, and only those a guard looks at: the startup
    // probe's while starting up, the liveness probe's after, the readiness probe's once ready.
    isRunningPhase(world.phase) ? runningKey(world) : '',
    world.condemned ? 'condemned' : '',
    world.phase === 'backoff' && world.nameTaken ? 'name-taken' : '',
    // At the budget every further crash gives up alike: more spent restarts change nothing.
    world.heal || world.updates ? `spent:${Math.min(world.spends.length, world.backoff.budget?.restarts ?? 0)}` : '',
    world.heal ? `v${world.specVersion % 2}` : '',
    world.heal && world.imageRead === world.containerSerial ? 'image-check-read' : '',
    updateKey(world),
  ].join('|');
}

function runningKey(world: AppWorld): string {
  const fails = world.probeFails;
  if (world.health === 'startingUp') return `startingUp:${fails.startup}`;
  return `${world.health}:${world.liveness}:${fails.liveness}`;
}

/** What the world can do next in this state: a small, representative, finite set. */
export function worldEvents(world: AppWorld): WorldEvent[] {
  if (world.phase === 'unborn' && world.updates) return UPDATE_BOOTS;
  if (world.phase === 'unborn') {
    const boots: WorldEvent[] = [];
    for (const desired of ['running', 'stopped'] as const) {
      boots.push({ type: 'BOOT', desired, sighting: 'unobserved' });
      for (const sighting of SIGHTING_NAMES) boots.push({ type: 'BOOT', desired, sighting });
    }
    // Orphans: an owned container no app claims gets a machine that removes it.
    for (const sighting of SIGHTING_NAMES) {
      if (sighting !== 'none') boots.push({ type: 'BOOT', desired: 'absent', sighting });
    }
    return boots;
  }
  if (isFinalPhase(world.phase)) return [];
  const events: WorldEvent[] = [];
  if (isStepPhase(world.phase)) {
    events.push({ type: 'ENGINE.OK' });
    for (const code of STEP_FAILURES[world.phase] ?? []) events.push({ type: 'ENGINE.FAIL', code });
  }
  // A trial's verdict is being saved while the app runs.
  if (world.trial === 'committing') events.push({ type: 'ENGINE.OK' }, { type: 'ENGINE.FAIL', code: 'engine' });
  // Looks are at a container the machine knows; one at another container of the app may come any time.
  if (world.known) {
    // The update world's new version must also meet a container made from another manifest (it is rolled back, not replaced).
    const looks: Sighting[] = world.updates ? [...LOOK_SIGHTINGS, 'running-outdated'] : LOOK_SIGHTINGS;
    for (const sighting of looks) events.push({ type: 'LOOKED', sighting, age: 'fresh' });
    if (world.knownAsOf > 0)
      for (const sighting of STALE_LOOK_SIGHTINGS) events.push({ type: 'LOOKED', sighting, age: 'stale' });
  }
  events.push({ type: 'LOOKED', sighting: 'none', age: 'other' });
  for (const sighting of SIGHTING_NAMES) events.push({ type: 'OBSERVED', sighting, age: 'fresh' });
  // An observation can only be older than what the machine knows once something is dated (a
  // step's answer, a believed observation). A stale pass is only answered, whatever it saw: a
  // few sightings, one of them alarming, stand for all.
  if (world.knownAsOf > 0) {
    for (const sighting of STALE_SIGHTINGS) events.push({ type: 'OBSERVED', sighting, age: 'stale' });
  }
  for (const desired of ['running', 'stopped', 'absent'] as const) events.push({ type: 'SET_DESIRED', desired });
  // Rendered files and dependencies belong to the main world; probes and the budget to the
  // self-healing one (each world stays small enough to walk).
  if (rendersFiles(world)) {
    if (world.rerendering) for (const outcome of RENDER_ANSWERS) events.push({ type: 'RENDER.ANSWER', outcome });
    events.push({ type: 'UPDATE_FILES' });
    // A dependency fails or recovers; while waiting, another one may fail too.
    if (!world.blocked || world.phase === 'waiting') events.push({ type: 'DEPENDENCIES', ready: false });
    if (world.blocked) events.push({ type: 'DEPENDENCIES', ready: true });
  }
  if (world.updates) {
    events.push({ type: 'OFFER', stopFirst: false }, { type: 'OFFER', stopFirst: true });
    if (world.last && world.last.result !== 'updated')
      events.push({ type: 'OFFER_AGAIN', retry: false }, { type: 'OFFER_AGAIN', retry: true });
    if (world.last) events.push({ type: 'ROLLBACK' });
  } else {
    events.push({ type: 'UPDATE_SPEC' });
  }
  events.push({ type: 'SHUTDOWN' });
  if (isRunningPhase(world.phase)) {
    const declared = declaredRoles(world);
    const roles: ProbeRole[] =
      world.health === 'startingUp'
        ? ['startup']
        : [
            ...(world.liveness === 'probing' ? (['liveness'] as const) : []),
            ...declared.filter((role) => role === 'readiness'),
          ];
    for (const role of roles) events.push({ type: 'PROBE', role, ok: true }, { type: 'PROBE', role, ok: false });
    if (isReadingImageCheck(world))
      events.push({ type: 'IMAGE_CHECK', found: true }, { type: 'IMAGE_CHECK', found: false });
  }
  // A repeated command must not skip a backoff; only a failed app is re-armed by it.
  if (world.phase === 'failed' || world.phase === 'backoff') events.push({ type: 'RETRY' });
  events.push({ type: 'RESTART' });
  // The foreign holder of the name is removed: only a create that failed on it goes again at once.
  if (world.phase === 'backoff') events.push({ type: 'NAME.FREED' });
  // During a trial no time passes but its own timers': the deadline comes before the stable
  // period, and while proving minHealthy comes before the deadline.
  if (world.trial === 'proving') events.push({ type: 'TIME.MIN_HEALTHY' });
  else if (world.trial === 'unproven') events.push({ type: 'TIME.DEADLINE' });
  else if (world.phase === 'backoff') events.push({ type: 'TIME.BACKOFF' });
  else if (world.phase === 'running.settling') events.push({ type: 'TIME.STABLE' });
  else events.push({ type: 'TIME.PASSES' });
  return events;
}

/** When a stale observation was asked of the engine: just before what the machine knows. */
export function staleObservedAt(world: AppWorld): number {
  return world.knownAsOf - 1;
}

export function backoffDelayOf(world: AppWorld): number {
  return backoffDelay(world.failures, world.backoff);
}

/** Time passes: restarts older than the budget's window leave it. */
function later(world: AppWorld, ms: number): AppWorld {
  const now = world.now + ms;
  const windowMs = world.backoff.budget?.windowMs ?? Infinity;
  return { ...world, now, spends: world.spends.filter((at) => at + windowMs > now) };
}

/** The owner acted: a fresh budget and crash count. */
function rearm(world: AppWorld): AppWorld {
  return { ...world, failures: 0, failure: false, spends: [] };
}

interface Outcome {
  world: AppWorld;
  expect: Expectation;
}

/** Decide what to do with what is known: the machine's `deciding` and the transient states after it. */
function settle(world: AppWorld): Outcome {
  const enter = (phase: Phase): Outcome => enterWith(world, phase);
  if (world.known === undefined) return enter('observing');
  // An update's rollback left off (a failed step, or one found in flight at boot) goes on first.
  if (world.record?.phase === 'rolling-back') return enterRollback(world);
  if (world.condemned && world.desired === 'running' && world.known?.status === 'running') {
    // wedged: a new version on trial is rolled back rather than replaced.
    if (onTrial(world)) return judge(world);
    return enterWith({ ...world, condemned: false }, restartsInPlace(world) ? 'restarting' : 'recreating');
  }
  const action = decisionOf(world).action;
  if (action !== 'remove' && action !== 'stop' && waitsForDependencies(world)) return enter('waiting');
  switch (action) {
    case 'remove':
      return enter('removing');
    case 'stop':
      return enter('stopping');
    case 'create':
      return enter('pulling');
    case 'start':
      // Every start is preceded by the pre-start render.
      return enterWith({ ...world, condemned: false }, 'rendering');
    case 'recreate':
      if (onTrial(world)) return judge({ ...world, condemned: false });
      return enterWith({ ...world, condemned: false }, 'recreating');
    case 'wait':
      return enter('observing');
    case 'none':
      if (world.desired === 'absent') return enter('removed');
      if (world.desired === 'stopped') return enter('stopped');
      return enterRunning(world);
  }
}

/**
 * Running begins: probes start over, a new version on trial is judged afresh, and a manifest
 * stashed during an update that has ended is taken now, like one that comes.
 */
function enterRunning(world: AppWorld): Outcome {
  const entered = enterWith(
    { ...world, ...probesOnEntry(world), probeFails: NO_FAILS, runningSince: world.now },
    'running.settling',
  ).world;
  const trial: Trial = onTrial(world) ? (entered.health === 'ready' ? 'proving' : 'unproven') : 'none';
  return takeStash({ ...entered, trial });
}

function takeStash(world: AppWorld): Outcome {
  if (world.stashed === undefined || world.record) return stay(world);
  return receiveSpec({ ...world, stashed: undefined }, world.stashed, false);
}

function onTrial(world: AppWorld): boolean {
  return world.record?.phase === 'trial';
}

/** The new version failed its trial (a crash, a failed step, a wedged container, the deadline): back to the old one. */
function judge(world: AppWorld): Outcome {
  return enterRollback({ ...world, record: { ...world.record!, phase: 'rolling-back' } });
}

/** A rollback begins (or goes on after a backoff) by putting itself and its reason on the record. */
function enterRollback(world: AppWorld): Outcome {
  return enterWith(world, 'rollingBack.noting');
}

/** The next step back (`rollingBack.next`). */
function stepBack(world: AppWorld): Outcome {
  return enterWith(world, rollbackPhase(world));
}

/**
 * A manifest arrives (UPDATE_SPEC). During an update it waits for the update's end; a running
 * app takes a new version as an update; a version the last update rejected is not taken
 * unless the owner asks; anything else is taken as the main world's UPDATE_SPEC is.
 */
function receiveSpec(world: AppWorld, version: number, retry: boolean): Outcome {
  if (world.record) return stay({ ...world, stashed: version });
  const refused = !retry && rejects(world, version);
  if (refused || version === world.specVersion) return stay(world);
  if (isRunningPhase(world.phase) && world.desired === 'running' && world.known && !world.known.outdated) {
    const record: ModelRecord = {
      from: world.specVersion,
      to: version,
      phase: 'preparing',
      done: [],
      snapshot: false,
      touched: false,
      restored: false,
    };
    return enterWith({ ...world, record }, 'updating.recording');
  }
  const updated: AppWorld = {
    ...world,
    specVersion: version,
    known: world.known ? { ...world.known, outdated: true } : world.known,
    specMovedDuringStep: world.specMovedDuringStep || world.phase === 'creating' || world.phase === 'pulling',
  };
  if (world.phase === 'failed') return settle(rearm(updated));
  return isStepPhase(world.phase) ? stay(updated) : settle(updated);
}

/** The next step of preparing, or the hand-over, which is on record before the new version is made. */
function prepare(world: AppWorld): Outcome {
  return enterWith(world, nextPreparingPhase(world) ?? 'updating.handingOver');
}

/** The hand-over is on record: the new version is made, on trial, with a fresh count of failures. */
function handOver(world: AppWorld): Outcome {
  const record: ModelRecord = { ...world.record!, phase: 'trial', touched: true };
  return enterWith({ ...world, record, specVersion: record.to, failures: 0, failure: false }, 'creating');
}

function withDone(world: AppWorld, step: ModelRecord['done'][number], extra: Partial<ModelRecord> = {}): AppWorld {
  return { ...world, record: { ...world.record!, ...extra, done: [...world.record!.done, step] } };
}

/** The answer of an update's step (machines/app-updating.ts). */
function onUpdateAnswer(world: AppWorld, ok: boolean): Outcome {
  // The end of a rollback is believed even on the way out (its record is saved).
  if (world.halting) return halt(ok && world.phase === 'rollingBack.recording' ? finished(world) : world);
  const preparing = world.phase.startsWith('updating.');
  // The rollback goes on whether or not its start could be recorded (the safe side).
  if (world.phase === 'rollingBack.noting') return stepBack(world);
  // A preparing step failed: nothing new ran, the update is abandoned; a rollback step backs off and comes back.
  if (!ok) return preparing ? judge(world) : backOff(world);
  const stepped = (extra: Partial<AppWorld>): AppWorld => ({ ...world, knownAsOf: world.now, ...extra });
  switch (world.phase) {
    case 'updating.recording':
      return prepare(world);
    case 'updating.fetching':
      return prepare(withDone(world, 'fetch'));
    case 'updating.stoppingOld':
      return prepare(
        withDone(stepped({ known: world.known ? { ...world.known, status: 'exited' } : world.known }), 'stop'),
      );
    case 'updating.snapshotting':
      return prepare(withDone(world, 'snapshot', { snapshot: true }));
    case 'updating.replacing':
      return prepare(withDone(stepped({ known: null }), 'replace'));
    case 'updating.handingOver':
      return handOver(world);
    case 'rollingBack.removingNew':
      return stepBack(stepped({ known: null }));
    case 'rollingBack.restoring':
      return stepBack({ ...world, record: { ...world.record!, restored: true } });
    case 'rollingBack.recording':
      return settle(finished(world));
    default:
      throw new Error(`no update step runs in ${world.phase}`);
  }
}

/** A rolled-back or abandoned update is history: the old version is what the app runs, with a fresh count of failures. */
function finished(world: AppWorld): AppWorld {
  const last = ended(world.record!);
  return { ...world, record: undefined, last, specVersion: last.from, failures: 0, failure: false };
}

/** The verdict of a trial is saved; the version is believed good either way (app-running.ts `committing`). */
function onCommitAnswer(world: AppWorld): Outcome {
  return takeStash({ ...world, record: undefined, last: ended(world.record!), trial: 'none' });
}

/** The owner's rollback of the last (verified) update, from where the app rests. */
function canRollBack(world: AppWorld): boolean {
  const rests = isRunningPhase(world.phase) || ['stopped', 'failed', 'backoff'].includes(world.phase);
  return rests && world.record === undefined && world.last?.result === 'updated';
}

function enterWith(world: AppWorld, phase: Phase): Outcome {
  return {
    world: {
      ...world,
      phase,
      rerendering: false,
      halting: false,
      specMovedDuringStep: false,
      stepBegunAt: world.now,
    },
    expect: { finished: isFinalPhase(phase) },
  };
}

/** The container failed by itself: count it, spend a restart, then back off, or give up when the budget is spent. */
function crash(world: AppWorld, extra: Partial<AppWorld> = {}): Outcome {
  const budget = world.backoff.budget;
  const spends = budget ? [...world.spends, world.now] : world.spends;
  const spent = budget !== undefined && spends.length > budget.restarts;
  // A new version that fails its trial is not retried: the old one comes back.
  if (onTrial(world))
    return judge({ ...world, ...extra, spends, failures: world.failures + 1, failure: true, rerendering: false });
  const backedOff = backOff({ ...world, ...extra, spends });
  return spent ? { ...backedOff, world: { ...backedOff.world, phase: 'failed' } } : backedOff;
}

function onProbe(world: AppWorld, event: Extract<WorldEvent, { type: 'PROBE' }>): Outcome {
  const fails = event.ok ? 0 : world.probeFails[event.role] + 1;
  const counted: AppWorld = { ...world, probeFails: { ...world.probeFails, [event.role]: fails } };
  switch (event.role) {
    case 'startup':
      if (event.ok) return stay({ ...counted, ...enterWatching(world) });
      return fails >= MODEL_FAILURE_THRESHOLD.startup ? crash(counted, { condemned: true }) : stay(counted);
    case 'liveness':
      return fails >= MODEL_FAILURE_THRESHOLD.liveness ? crash(counted, { condemned: true }) : stay(counted);
    case 'readiness':
      if (event.ok) return stay(judged({ ...counted, health: 'ready' }));
      if (world.health === 'ready' && fails >= MODEL_FAILURE_THRESHOLD.readiness)
        return stay(judged({ ...counted, health: 'unready' }));
      return stay(counted);
  }
}

/** A trial being judged counts ready time only: the minHealthy clock runs while ready, and starts over after a break. */
function judged(world: AppWorld): AppWorld {
  if (world.trial !== 'unproven' && world.trial !== 'proving') return world;
  return { ...world, trial: world.health === 'ready' ? 'proving' : 'unproven' };
}

/** The container failed by itself (or a step failed): count it and back off. */
function backOff(world: AppWorld, nameTaken = false): Outcome {
  return {
    world: {
      ...world,
      phase: 'backoff',
      rerendering: false,
      failures: world.failures + 1,
      failure: true,
      halting: false,
      specMovedDuringStep: false,
      nameTaken,
    },
    expect: { finished: false },
  };
}

function stay(world: AppWorld): Outcome {
  return { world, expect: { finished: false } };
}

function halt(world: AppWorld, extra: Partial<AppWorld> = {}): Outcome {
  return {
    world: {
      ...world,
      ...extra,
      phase: 'halted',
      rerendering: false,
      halting: false,
      specMovedDuringStep: false,
    },
    expect: { finished: true },
  };
}

function withPassEntry(outcome: Outcome, before: AppWorld, busy: boolean): Outcome {
  const after = outcome.world;
  return {
    world: after,
    expect: {
      ...outcome.expect,
      passEntry: busy
        ? { state: stateString(before), action: 'wait', busy: true, failure: false }
        : {
            // The entry names the state the observation found the app in, the action the
            // decision table asks for given what the app now knows, and the failure on
            // record before anything this observation causes is counted.
            state: stateString(before),
            action: passActionOf({ ...before, known: after.known }),
            busy: false,
            failure: before.failure,
          },
    },
  };
}

/**
 * What a believed observation (a pass's or a look's) does in each resting state. A pass also
 * renders the files of a running app again; a look does not.
 */
function believe(world: AppWorld, seen: Known, pass: boolean): Outcome {
  const informed: AppWorld = { ...world, known: seen, knownAsOf: Math.max(world.knownAsOf, world.now) };
  const decision = decisionOf(informed);
  switch (world.phase) {
    case 'observing':
    case 'waiting':
      return settle(informed);
    case 'confirming':
      // The start's answer is confirmed, or the container died at once: a crash.
      return decision.failed ? crash(informed) : settle(informed);
    case 'running.settling':
    case 'running.stable':
      if (decision.failed) return crash(informed);
      if (decision.action !== 'none') return settle(informed);
      // A quiet pass renders the files again, when the spec has any (the self-healing world's has none).
      return stay({ ...informed, rerendering: pass ? rendersFiles(world) : world.rerendering });
    case 'backoff':
    case 'failed':
      return stay(informed);
    case 'stopped':
      if (decision.action !== 'none') return settle(informed);
      return stay(informed);
    default:
      throw new Error(`no observation expected in ${world.phase}`);
  }
}

function onObserved(world: AppWorld, event: Extract<WorldEvent, { type: 'OBSERVED' }>): Outcome {
  if (isStepPhase(world.phase)) return withPassEntry(stay(world), world, true);
  if (event.age !== 'fresh') return withPassEntry(stay(world), world, false);
  return withPassEntry(believe(world, SIGHTINGS[event.sighting], true), world, false);
}

/**
 * A look is never answered. One at another container, or during a step (whose answer says
 * more), is dropped; one asked before what the machine knows makes it look again.
 */
function onLooked(world: AppWorld, event: Extract<WorldEvent, { type: 'LOOKED' }>): Outcome {
  if (event.age === 'other' || isStepPhase(world.phase)) return stay(world);
  if (event.age === 'stale') return { world, expect: { finished: false, lookAgain: true } };
  return believe(world, SIGHTINGS[event.sighting], false);
}

function onAnswer(world: AppWorld, ok: boolean, code: EngineErrorCode | undefined): Outcome {
  if (isUpdatePhase(world.phase)) return onUpdateAnswer(world, ok);
  const stepped = (extra: Partial<AppWorld> = {}): AppWorld => ({ ...world, knownAsOf: world.now, ...extra });
  if (!ok) {
    if (world.halting) return halt(world);
    // A step of a new version on trial that fails rolls it back (counted first), even one whose container vanished.
    if (onTrial(world)) return judge({ ...world, failures: world.failures + 1, failure: true });
    const vanished =
      code === 'not-found' &&
      (world.phase === 'starting' || world.phase === 'stopping' || world.phase === 'restarting');
    return vanished
      ? settle({ ...world, known: null })
      : backOff(world, world.phase === 'creating' && code === 'name-conflict');
  }
  switch (world.phase) {
    case 'pulling':
      if (world.halting) return halt(world);
      // Only a pull that leads on to create counts as the last step; otherwise re-decide
      // (a new spec may name another image, which must be pulled first).
      if (world.desired === 'running' && !world.specMovedDuringStep)
        return { world: stepped({ phase: 'creating', stepBegunAt: world.now }), expect: { finished: false } };
      return settle(world);
    case 'creating': {
      const made: Box = box('created', { outdated: world.specMovedDuringStep });
      const next = {
        ...world,
        known: made,
        containerSerial: world.containerSerial + 1,
        specMovedDuringStep: false,
        condemned: false,
      };
      if (world.halting) return halt(next);
      if (world.desired === 'running') {
        return {
          world: { ...next, phase: 'rendering', knownAsOf: world.now, stepBegunAt: world.now },
          expect: { finished: false },
        };
      }
      return settle({ ...next, knownAsOf: world.now });
    }
    case 'rendering':
      // A render touches no container: it is no step the pass observations are dated against.
      if (world.halting) return halt(world);
      if (world.desired === 'running') {
        return {
          world: { ...world, phase: 'starting', stepBegunAt: world.now },
          expect: { finished: false },
        };
      }
      return settle(world);
    case 'restarting': {
      if (world.halting) return halt(world);
      // The stop's own exit is known from its answer.
      const stopped = stepped({ known: world.known ? { ...world.known, status: 'exited' } : world.known });
      if (world.desired === 'running') {
        return { world: { ...stopped, phase: 'rendering', stepBegunAt: world.now }, expect: { finished: false } };
      }
      return settle(stopped);
    }
    case 'starting': {
      if (world.halting) return halt(world);
      // The run began when the start step did; a look confirms it still runs before anything else.
      const known = world.known
        ? { ...world.known, status: 'running' as const, pidGone: false, unhealthy: false, startedAt: world.stepBegunAt }
        : world.known;
      return {
        world: {
          ...stepped({ known }),
          phase: 'confirming',
          rerendering: false,
          halting: false,
          specMovedDuringStep: false,
        },
        expect: { finished: false, lookAgain: true },
      };
    }
    case 'recreating':
    case 'removing':
      if (world.halting) return halt(world, { known: null });
      return settle(stepped({ known: null }));
    case 'stopping':
      if (world.halting) return halt(world);
      return settle(stepped({ known: world.known ? { ...world.known, status: 'exited' } : world.known }));
    default:
      throw new Error(`no step runs in ${world.phase}`);
  }
}

/**
 * The expected effect of one world event. Throws for an event `worldEvents` would not offer,
 * so a path that the model cannot explain is never replayed.
 */
export function stepWorld(world: AppWorld, event: WorldEvent): Outcome {
  const outcome = nextWorld(world, event);
  // The trial region lives in running only.
  if (isRunningPhase(outcome.world.phase) || outcome.world.trial === 'none') return outcome;
  return { ...outcome, world: { ...outcome.world, trial: 'none' } };
}

function nextWorld(world: AppWorld, event: WorldEvent): Outcome {
  if (world.phase === 'unborn') {
    if (event.type !== 'BOOT') throw new Error(`${event.type} before the machine exists`);
    const known: Known = event.sighting === 'unobserved' ? undefined : SIGHTINGS[event.sighting];
    if (event.inFlight) {
      // update.ts `resumedUpdate`: an update podwarden stopped in the middle of is rolled back.
      const record = resumed(inFlightRecord(event.inFlight));
      const offered = event.third ? 3 : 2;
      const stashed = event.third ? 3 : undefined;
      return settle({ ...world, desired: event.desired, known, record, offered, stashed });
    }
    return settle({ ...world, desired: event.desired, known });
  }
  if (isFinalPhase(world.phase)) throw new Error(`${event.type} after the machine finished`);
  const inStep = isStepPhase(world.phase);
  switch (event.type) {
    case 'BOOT':
      throw new Error('BOOT twice');
    case 'ENGINE.OK':
    case 'ENGINE.FAIL':
      if (world.trial === 'committing') return onCommitAnswer(world);
      if (!inStep) throw new Error(`engine answer in ${world.phase}`);
      return onAnswer(world, event.type === 'ENGINE.OK', event.type === 'ENGINE.FAIL' ? event.code : undefined);
    case 'LOOKED':
      return onLooked(world, event);
    case 'OBSERVED':
      return onObserved(world, event);
    case 'SET_DESIRED':
      // Outside a step only a change re-decides: a repeated command keeps backoff and clocks as they are.
      if (inStep || event.desired === world.desired) return stay({ ...world, desired: event.desired });
      return settle({ ...world, desired: event.desired });
    case 'UPDATE_SPEC': {
      const updated: AppWorld = {
        ...world,
        specVersion: world.specVersion + 1,
        known: world.known ? { ...world.known, outdated: true } : world.known,
        specMovedDuringStep: world.specMovedDuringStep || world.phase === 'creating' || world.phase === 'pulling',
      };
      if (world.phase === 'failed') return settle(rearm(updated));
      return inStep ? stay(updated) : settle(updated);
    }
    case 'UPDATE_FILES':
      return stay(world);
    case 'RENDER.ANSWER':
      if (!world.rerendering) throw new Error(`no render under way in ${world.phase}`);
      if (event.outcome === 'same') return stay({ ...world, rerendering: false });
      if (event.outcome === 'fail') return backOff(world);
      // Restarted once to read the new file: no crash, nothing counted.
      return {
        world: { ...world, phase: 'restarting', rerendering: false, stepBegunAt: world.now },
        expect: { finished: false },
      };
    case 'DEPENDENCIES':
      // Remembered everywhere; only a waiting app acts on it, and only when all are ready.
      if (world.phase === 'waiting' && event.ready) return settle({ ...world, blocked: false });
      return stay({ ...world, blocked: !event.ready });
    case 'PROBE':
      if (!isRunningPhase(world.phase)) throw new Error(`probe result in ${world.phase}`);
      return onProbe(world, event);
    case 'IMAGE_CHECK':
      if (!isReadingImageCheck(world)) throw new Error(`no health check read under way in ${world.phase}`);
      // A failed read leaves this run unprobed; the container's next run reads again.
      return event.found
        ? stay({ ...world, liveness: 'probing', imageRead: world.containerSerial })
        : stay({ ...world, liveness: 'unprobed' });
    case 'RETRY':
      return world.phase === 'failed' ? settle(rearm(world)) : stay(world);
    case 'RESTART':
      // A running container is stopped and started again, counting nothing; a backing-off app
      // tries at once, a failed one afresh; anywhere else nothing runs that could be restarted.
      if (isRunningPhase(world.phase))
        return {
          world: { ...world, phase: 'restarting', rerendering: false, stepBegunAt: world.now },
          expect: { finished: false },
        };
      if (world.phase === 'backoff') return settle(world);
      if (world.phase === 'failed') return settle(rearm(world));
      return stay(world);
    case 'NAME.FREED':
      // No time passes: the retry does not wait for the backoff.
      return world.phase === 'backoff' && world.nameTaken ? settle(world) : stay(world);
    case 'SHUTDOWN':
      return inStep ? stay({ ...world, halting: true }) : halt(world);
    case 'TIME.BACKOFF':
      if (world.phase !== 'backoff') throw new Error(`no backoff timer in ${world.phase}`);
      return settle(later(world, backoffDelayOf(world)));
    case 'TIME.STABLE':
      if (world.phase !== 'running.settling') throw new Error(`no stable timer in ${world.phase}`);
      return stay({
        ...later(world, stableDelayOf(world)),
        phase: 'running.stable',
        failures: 0,
        failure: false,
      });
    case 'TIME.PASSES':
      return stay(later(world, LONG_WHILE));
    case 'OFFER':
      return receiveSpec(
        {
          ...world,
          offered: world.offered + 1,
          stopFirst: event.stopFirst ? [...world.stopFirst, world.offered + 1] : world.stopFirst,
        },
        world.offered + 1,
        false,
      );
    case 'OFFER_AGAIN':
      if (!world.last) throw new Error('no update to offer again');
      return receiveSpec(world, world.last.to, event.retry);
    case 'ROLLBACK':
      if (!canRollBack(world)) return stay(world);
      return enterRollback({
        ...world,
        record: { ...world.last!, result: undefined, phase: 'rolling-back', touched: true, restored: false },
      });
    case 'TIME.MIN_HEALTHY':
      if (world.trial !== 'proving') throw new Error(`no minHealthy timer in ${world.phase}`);
      return stay({ ...later(world, MODEL_UPDATE_POLICY.minHealthyMs), trial: 'committing' });
    case 'TIME.DEADLINE':
      if (world.trial !== 'unproven' && world.trial !== 'proving') throw new Error(`no deadline in ${world.phase}`);
      return judge(later(world, deadlineDelayOf(world)));
  }
}

/** The stable period counts from when the app entered running. */
export function stableDelayOf(world: AppWorld): number {
  return world.runningSince + world.backoff.resetAfterMs - world.now;
}

/** The trial's deadline counts from when the new version entered running. */
export function deadlineDelayOf(world: AppWorld): number {
  return world.runningSince + MODEL_UPDATE_POLICY.deadlineMs - world.now;
}

export function describeEvent(event: WorldEvent): string {
  switch (event.type) {
    case 'BOOT':
      return `BOOT(${event.desired}, ${event.sighting}${event.inFlight ? `, in flight: ${event.inFlight}${event.third ? ', v3 offered' : ''}` : ''})`;
    case 'ENGINE.FAIL':
      return `ENGINE.FAIL(${event.code})`;
    case 'LOOKED':
      return `LOOKED(${event.sighting}, ${event.age})`;
    case 'OBSERVED':
      return `OBSERVED(${event.sighting}, ${event.age})`;
    case 'SET_DESIRED':
      return `SET_DESIRED(${event.desired})`;
    case 'RENDER.ANSWER':
      return `RENDER.ANSWER(${event.outcome})`;
    case 'DEPENDENCIES':
      return `DEPENDENCIES(${event.ready ? 'ready' : 'not ready'})`;
    case 'PROBE':
      return `PROBE(${event.role}, ${event.ok ? 'ok' : 'fail'})`;
    case 'IMAGE_CHECK':
      return `IMAGE_CHECK(${event.found ? 'found' : 'fail'})`;
    case 'OFFER':
      return `OFFER(${event.stopFirst ? 'stop-first' : 'download-then-replace'})`;
    case 'OFFER_AGAIN':
      return `OFFER_AGAIN(${event.retry ? 'retry' : 'catalog'})`;
    default:
      return event.type;
  }
}

/** The app world as the path generators see it. */
export const appWorldModel: WorldModel<AppWorld, WorldEvent> = {
  initial: initialWorld(false),
  events: worldEvents,
  next: (world, event) => stepWorld(world, event).world,
  serialize: serializeWorld,
};

/**
 * The core lifecycle of one install, small enough to enumerate every simple path of:
 * installed unobserved, then pull/create/start with one failure kind per step, the look that
 * confirms a start, a crash seen by a look, the backoff and stable-period timers, the owner stopping it, shutdown anywhere.
 */
export function inCoreLifecycle(world: AppWorld, event: WorldEvent): boolean {
  switch (event.type) {
    case 'BOOT':
      return event.desired === 'running' && event.sighting === 'unobserved';
    case 'ENGINE.OK':
    case 'TIME.BACKOFF':
    case 'TIME.STABLE':
    case 'SHUTDOWN':
      return true;
    case 'ENGINE.FAIL':
      return event.code === STEP_FAILURES[world.phase]?.[0];
    case 'LOOKED':
      return event.age === 'fresh' && (event.sighting === 'exited' || event.sighting === 'running');
    case 'OBSERVED':
      return event.age === 'fresh' && event.sighting === 'none';
    case 'SET_DESIRED':
      return event.desired === 'stopped';
    default:
      return false;
  }
}

/**
 * How the update world's machine is spawned: a fresh install or an adopted running container,
 * or with an update found in flight (the container seen: the old version's, the new one's, none).
 */
const UPDATE_BOOTS: WorldEvent[] = [
  { type: 'BOOT', desired: 'running', sighting: 'unobserved' },
  { type: 'BOOT', desired: 'running', sighting: 'running' },
  ...(['fetched', 'snapshotted', 'trial'] as const).flatMap((inFlight) =>
    (['running', 'running-outdated', 'none'] as const).map((sighting): WorldEvent => ({
      type: 'BOOT',
      desired: 'running',
      sighting,
      inFlight,
    })),
  ),
  { type: 'BOOT', desired: 'running', sighting: 'running-outdated', inFlight: 'trial', third: true },
];

const RESTING: ReadonlySet<Phase> = new Set(['running.settling', 'running.stable', 'stopped', 'failed', 'backoff']);
const UPDATE_LOOKS: ReadonlySet<string> = new Set(['running', 'exited', 'running-outdated']);
const UPDATE_PASSES: ReadonlySet<string> = new Set(['none', 'running']);

/**
 * The update world: versions offered while the app runs (both strategies), each step of
 * preparing, judging and rolling back answered ok or failing, the owner's rollback and retry,
 * a version offered during an update, an update found in flight at boot. The rest of the world
 * is cut down to one representative of each kind, so its graph stays small.
 */
export const updateWorldModel: WorldModel<AppWorld, WorldEvent> = {
  initial: initialWorld(false, true),
  events: (world) =>
    worldEvents(world).filter((event) => {
      switch (event.type) {
        case 'ENGINE.FAIL':
          return world.trial === 'committing' || event.code === STEP_FAILURES[world.phase]?.[0];
        // During an update's steps a look is dropped and a pass only answered: one of each kind stands for all.
        case 'LOOKED':
          return !isUpdatePhase(world.phase) && event.age === 'fresh' && UPDATE_LOOKS.has(event.sighting);
        case 'OBSERVED':
          return (
            event.age === 'fresh' &&
            (isUpdatePhase(world.phase) ? event.sighting === 'running' : UPDATE_PASSES.has(event.sighting))
          );
        // The owner stops or removes the app during a trial, or stops it after an update to roll it
        // back from there, and runs it again; a repeat stands for the owner during an update's steps.
        case 'SET_DESIRED':
          if (isUpdatePhase(world.phase)) return event.desired === world.desired;
          if (!RESTING.has(world.phase)) return false;
          if (event.desired === 'running') return true;
          return (
            isRunningPhase(world.phase) &&
            (onTrial(world) || (event.desired === 'stopped' && world.last?.result === 'updated'))
          );
        // A version offered begins an update in running (either strategy), or waits for the update under
        // way to end (plain spec changes are the main world's).
        // (Stashing is shown during a path's first update only: a stash and a last update would double the graph.)
        case 'OFFER':
          if (!world.record) return isRunningPhase(world.phase);
          return !event.stopFirst && world.stashed === undefined && world.last === undefined;
        case 'OFFER_AGAIN':
          return isRunningPhase(world.phase) && world.record === undefined;
        case 'ROLLBACK':
          return RESTING.has(world.phase);
        // A shutdown ends a walk, and the next one walks back from boot: only where an update's step
        // is under way (each step's answer after it), during a path's first update, is it the update world's.
        case 'SHUTDOWN':
          return isUpdatePhase(world.phase) && world.last === undefined;
        default:
          return true;
      }
    }),
  next: (world, event) => stepWorld(world, event).world,
  serialize: serializeWorld,
};

/**
 * The self-healing world: probes and a restart budget, with the rest of the world cut down to
 * one representative of each kind (a few sightings, a die, one engine failure per step), so
 * its graph stays small.
 */
const HEAL_SIGHTINGS: ReadonlySet<string> = new Set(['none', 'running', 'exited']);
export const healWorldModel: WorldModel<AppWorld, WorldEvent> = {
  initial: initialWorld(true),
  events: (world) =>
    worldEvents(world).filter((event) => {
      switch (event.type) {
        case 'BOOT':
          return event.desired === 'running' && (event.sighting === 'unobserved' || event.sighting === 'running');
        case 'ENGINE.FAIL':
          // restarting exists only in this world: all its failures.
          return world.phase === 'restarting' || event.code === STEP_FAILURES[world.phase]?.[0];
        case 'LOOKED':
          return event.age !== 'other' && (event.sighting === 'exited' || event.sighting === 'running');
        case 'OBSERVED':
          return HEAL_SIGHTINGS.has(event.sighting);
        case 'SET_DESIRED':
          return event.desired !== 'absent';
        default:
          return true;
      }
    }),
  next: (world, event) => stepWorld(world, event).world,
  serialize: serializeWorld,
};
