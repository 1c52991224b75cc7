import type { Transition } from './announce.js';
import type { ContainerEvent, ContainerObservation } from '../src/domain/container-observation.js';
import type { ContainerSpec } from '../src/domain/container-spec.js';
import type { FailureReason, ProbeRole } from './failure.js';

/** What the owner asked for. `absent` = uninstalled (or an orphan podwarden must prune). */
export type Desired = 'running' | 'stopped' | 'absent';

export type PullPolicy = 'always' | 'if-not-present' | 'never';

/** Everything an app machine needs to know about its container; opaque to the machine but `specHash`. */
export interface AppSpec {
  appId: string;
  container: ContainerSpec;
  image: {
    ref: string;
    pullPolicy: PullPolicy;
    /** `root`: the folder the context must really be inside (the manifest's), checked before each build. */
    build?: { context: string; containerfile?: string; root?: string };
    /** The manifest has both `build` and `image`: when the build fails, pull `ref` instead. */
    pullFallback?: boolean;
    /** Free bytes the image store must have (beyond the global reserve) before a pull or build. */
    diskBytes?: number;
    /**
     * The owner's `update` found the registry serving another image behind the same tag
     * (src/registry/digest-offer.ts): the app is updated to it though its manifest is the same.
     */
    newDigest?: DigestChange;
  };
  /** Equal to `container.labels['io.podwarden.spec-hash']`; a container whose label differs is outdated. */
  specHash: string;
  /** Host directories (the app's own data dir) that must exist before the container is created. */
  directories?: string[];
  /** Files rendered into the app's data dir before every start and on every pass; opaque to the machine. */
  render?: RenderSpec;
  /** Probes podwarden runs against the container; none declared = running means ready. */
  probes?: AppProbes;
  /**
   * Without a declared liveness probe, read the container's own health check (its image's
   * HEALTHCHECK) when it runs, and run it as the liveness probe. The manifest turns it on
   * unless `probes.imageHealthcheck: false`; absent = off.
   */
  imageHealthcheck?: boolean;
  /**
   * The manifest turned the image's health check off (`probes.imageHealthcheck: false`): where
   * the engine runs it anyway (podman under systemd, Docker), its `unhealthy` is not acted on.
   */
  ignoreEngineHealth?: boolean;
  /** The manifest's version: what `status` and an update's story name. */
  version?: string;
  /** How a new version replaces this one (machines/update.ts); absent = replaced plainly (companions). */
  update?: UpdatePolicy;
  /** The app's own data directory: what an update's snapshot copies. */
  dataDir?: string;
}

/** Same tag, new image: what the registry serves now, and the image the running version was made from. */
export interface DigestChange {
  /** The registry digest of the running image, when it has one (a local build has none). */
  from?: string;
  /** The engine's id of the running image: a rollback makes the old version from it (the tag moved on). */
  fromImageId: string;
  /** The digest the registry serves for the tag. */
  to: string;
}

/** `app.update` of a manifest (src/manifest/schema-update.ts), in milliseconds. */
export interface UpdatePolicy {
  strategy: 'download-then-replace' | 'stop-first';
  /** Copy the data dir before the new version first starts. */
  snapshot: boolean;
  keepSnapshots: number;
  /** Ready this long without a break, and the new version counts as good. */
  minHealthyMs: number;
  /** Not proven good this long after it started: rolled back. */
  deadlineMs: number;
  /** A rollback puts the snapshot back in place of the data dir. */
  restoreData: boolean;
}

/** What the `renderFiles` effect needs; see src/effects/render-files.ts. */
export interface RenderSpec {
  manifestFile: string;
  /** Absolute: every rendered file stays inside it. */
  dataDir: string;
  files: { path: string; template?: string; templateFile?: string; mode?: number }[];
  /** Absolute path of the KEY=VALUE values file. */
  valuesFile?: string;
}

/** Outcome of rendering an app's files: whether any file was rewritten. */
export interface RenderOutcome {
  changed: boolean;
}

/** How podwarden checks a running container from outside (kubelet's probe model). */
export interface AppProbes {
  startup?: ProbeSpec;
  liveness?: ProbeSpec;
  readiness?: ProbeSpec;
  /** What a failing liveness probe leads to: remove and create anew, or stop and start the same container. */
  onLivenessFailure: 'recreate' | 'restart';
}

export type ProbeCheck =
  | { kind: 'http'; path: string; port: number; expectStatus?: number }
  | { kind: 'tcp'; port: number }
  | { kind: 'exec'; command: string[] };

export interface ProbeSpec {
  check: ProbeCheck;
  intervalMs: number;
  timeoutMs: number;
  /** Consecutive failures before the probe's verdict turns to failing. */
  failureThreshold: number;
  /** Consecutive successes before a failing probe's verdict turns to passing. */
  successThreshold: number;
  /** Failures this soon after the container started do not count. */
  startPeriodMs: number;
  /** Where the probe comes from when the manifest did not declare it: the image's HEALTHCHECK. */
  origin?: 'image';
}

export interface BackoffPolicy {
  /** Delay before the second consecutive restart; the first one after a stable run is immediate. */
  initialMs: number;
  factor: number;
  maxMs: number;
  /** A container that stayed up this long resets the crash count. */
  resetAfterMs: number;
  /**
   * Each delay is spread by ± this fraction (0.1 = ±10 %), so apps that failed together do not
   * retry together. The spread comes from the machine's seed, never from Math.random.
   */
  jitter?: number;
  /** At most this many restarts within the window; one more and the app goes to `failed`. */
  budget?: RestartBudget;
}

export interface RestartBudget {
  restarts: number;
  windowMs: number;
}

/**
 * kubelet's schedule (10 s doubling to 5 min, reset after 10 min), ±10 % jitter, and a budget
 * of 10 restarts in 30 min: with this schedule a container that never stays up spends it in
 * about 25 min, so an app that cannot run stops churning within half an hour, while one that
 * crashes now and then never comes near it.
 */
export const DEFAULT_BACKOFF: BackoffPolicy = {
  initialMs: 10_000,
  factor: 2,
  maxMs: 300_000,
  resetAfterMs: 600_000,
  jitter: 0.1,
  budget: { restarts: 10, windowMs: 30 * 60_000 },
};

/** An observation of the app's container, or null when there is none. */
export type Observed = ContainerObservation | null;

export interface StepOutcome {
  /** ms since epoch when the step began: a started container's run began then. */
  begunAt: number;
  /** ms since epoch when the step finished: what the app knows is known as of then (app-freshness.ts). */
  at: number;
}

export type AppCommand =
  | { type: 'SET_DESIRED'; desired: Desired }
  /** The manifest now says this. `retry`: the owner's `update`, which tries a version rolled back before again. */
  | { type: 'UPDATE_SPEC'; spec: AppSpec; retry?: boolean }
  /** The owner's `rollback`: back to the version before the last update, its data from that update's snapshot. */
  | { type: 'ROLLBACK' }
  /**
   * From the supervisor whenever what holds the app changes: one phrase per dependency (or,
   * for a companion, its app) that is not ready, e.g. "bitcoind (not ready)"; empty = free.
   */
  | { type: 'DEPENDENCIES'; waitingFor: string[] }
  /** The owner asked again (install, start, restart): a `failed` app tries afresh with a new budget. */
  | { type: 'RETRY' }
  /**
   * The owner's restart of an app that should run: a running container is stopped and started
   * again (no failure counted); a backing-off app tries at once; elsewhere nothing needs it.
   */
  | { type: 'RESTART' }
  | { type: 'SHUTDOWN' };

/** What a look at one container saw: `container` null when it is gone. */
export interface Looked {
  type: 'LOOKED';
  containerId: string;
  /** ms since epoch when the engine was asked. */
  observedAt: number;
  container: Observed;
  /** The engine events that led to the look (none when the app itself asked again), oldest first. */
  events: ContainerEvent[];
}

/** One probe run's verdict, sent by the probe actor; the machine does the counting. */
export interface ProbeResult {
  type: 'PROBE_RESULT';
  role: ProbeRole;
  ok: boolean;
  /** What the probe saw (status line, exec output, connection error), for the failure reason. */
  output: string;
  /** What was probed, e.g. `GET http://10.88.0.5:8080/health`. */
  target: string;
  /** ms since epoch when the probe ran. */
  at: number;
}

export type AppEvent =
  | AppCommand
  /** A reconcile pass's list call: every app answers it (APP.PASS_ENTRY). */
  | { type: 'OBSERVED'; passId: number; observedAt: number; container: Observed }
  /**
   * A look (inspect) at one container after the engine reported events about it: engine
   * events are hints to look again, never applied as state (app-freshness.ts). Not answered.
   */
  | Looked
  /** Raised by the machine itself on a quiet pass while running: render the files again. */
  | { type: 'RENDER.CHECK' }
  | ProbeResult
  /** A restart left the budget's window (scheduled by the machine itself when it restarted). */
  | { type: 'BUDGET.EXPIRED'; epoch: number }
  /**
   * The engine removed a container holding this name (one podwarden does not own): an app
   * whose create failed because the name was taken tries again now, not after its backoff.
   */
  | { type: 'NAME.FREED'; name: string };

/** What one app said about itself in one reconcile pass. */
export interface PassEntry {
  appId: string;
  /** The machine state the app was in when the observation reached it. */
  state: string;
  /** What the decision table asks for (`none` on a quiet pass). */
  action: string;
  /** A step is already under way, so the observation was only recorded. */
  busy: boolean;
  /** The last failure, while the app is backing off or has failed. */
  failure?: string;
  /** Set on a companion's entry: `appId` is its app, this its id. */
  companion?: string;
  /** The same failure as data. */
  failureReason?: FailureReason;
}

export interface PassReport {
  passId: number;
  startedAt: number;
  finishedAt: number;
  /** Containers the single list call returned. */
  observed: number;
  entries: PassEntry[];
  /** Set when the engine could not be observed at all; the loop goes on. */
  error?: string;
}

export type SupervisorNotice =
  | { type: 'pass'; report: PassReport }
  | { type: 'gateOpened'; reason: 'recovered' | 'cap' }
  | { type: 'recoveryFailed'; error: string }
  | { type: 'engineReconnected' }
  | { type: 'appRemoved'; appId: string }
  /** An app's or companion's machine changed its top-level state (announce.ts). */
  | { type: 'transition'; transition: Transition };
