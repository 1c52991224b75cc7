import type { DigestOffer } from './registry/digest-offer.js';
import type { TagDigestOptions } from './registry/tag-digest.js';
import type { Observable } from 'rxjs';
import type { InspectionEvent } from 'xstate';
import type { BackoffPolicy, PassReport } from '../machines/types.js';
import type { SystemdUnits } from './companions/systemd/systemd-units.js';
import type { Clock } from './domain/clock.js';
import type { CommandOptions } from './command-outcome.js';
import type { EngineWorkLoad } from './engine/engine-work.js';
import type { EngineTelemetry } from './engine/instrumented-engine.js';
import type { EnginePort, LogLine, LogOptions, PullProgress } from './engine/port.js';
import type { Explanation } from './explain/explain.js';
import type { PlanEntry } from './explain/plan.js';
import type { JournalDamage } from './journal/journal-file.js';
import type { Logger } from './log.js';
import type { CatalogApp } from './catalog-keeper.js';
import type { ManifestError } from './manifest/errors.js';
import type { ManifestParser } from './manifest/manifest-parser.js';
import type { Reader } from './manifest/reader-thread.js';
import type { AppStatus } from './status-rows.js';
import type { UpdateEnded } from './updates/update-wiring.js';
import type { UpdateRecords } from './updates/update-records.js';
import type { Transition } from './streams/transitions.js';

// The orchestrator's public shape: its options, its API and what they answer with.

export interface OrchestratorOptions {
  /** Folder of app manifests (*.yml). */
  catalogDir: string;
  /** Where podwarden keeps what the owner asked for (desired.json). */
  stateDir: string;
  /** Apps' own data (`./x` volumes, rendered files); defaults to `<stateDir>/apps`. */
  dataDir?: string;
  /** Where manifests' `values` files live (secrets podwarden renders into configs); defaults to `<stateDir>/secrets`. */
  secretsDir?: string;
  /** Bytes kept free on the engine's image store beyond each app's `requirements.disk`; default 1 GiB. */
  diskReserveBytes?: number;
  /** The engine; defaults to dockerode on `socketPath`. Tests may pass the simulator. */
  engine?: EnginePort;
  socketPath?: string;
  /** Owner label value: podwarden touches only containers carrying it. */
  instance?: string;
  /** Container names are `<namePrefix><appId>`. */
  namePrefix?: string;
  /** Reconcile pass interval; one pass also runs as soon as the recovery gate opens. */
  intervalMs?: number;
  backoff?: Partial<BackoffPolicy>;
  gate?: {
    /** The embedding daemon calls `releaseGate()` when its own recovery is done. */
    holdForEmbedder?: boolean;
    /** The gate opens by itself after this long, with a warning. */
    capMs?: number;
  };
  /** Registries (host[:port]) that may be pulled from over plain HTTP (and asked for digests so). */
  insecureRegistries?: string[];
  /** How registries are asked what their tags name now (`imageOffers`, `updateApp`): timeout, fetch (tests). */
  registry?: Omit<TagDigestOptions, 'insecureRegistries'>;
  logger?: Logger;
  /**
   * Where every time is read and every timer set: the machines' delays, the tick, backoffs,
   * probes, journal dates. Default the system clock; a replay passes its virtual one.
   */
  clock?: Clock;
  /**
   * Where each app's update record is kept (docs/updates.md); default `<stateDir>/updates/`.
   * Tests on fake timers pass `memoryUpdateRecords()` from `podwarden/testing`.
   */
  updateRecords?: UpdateRecords;
  /** An inspection observer, e.g. the Stately inspector (transitions$ does not depend on one). */
  inspect?: (event: InspectionEvent) => void;
  onPullProgress?: (appId: string, progress: PullProgress) => void;
  /**
   * Who supervises companions: `container` (podwarden itself, the default where systemd is
   * not PID 1), `systemd` (a Quadlet or .service unit per companion, which outlives
   * podwarden), or `auto` (systemd when it is PID 1 and `systemctl` answers: the user's manager
   * for a rootless podwarden, the system's for root). Default `auto`.
   */
  companionBackend?: 'container' | 'systemd' | 'auto';
  /**
   * Who runs images' HEALTHCHECKs: `engine` (podman under systemd, Docker: podwarden acts on
   * the engine's verdict), `podwarden` (runs each as the app's liveness probe), or `auto` (the
   * engine where it says it runs them, else podwarden). Default `auto`.
   */
  imageHealthchecks?: 'auto' | 'podwarden' | 'engine';
  /** For the systemd backend: the units door; defaults to `systemctl` of podwarden's own scope. */
  systemdUnits?: SystemdUnits;
  /**
   * The intent journal (`<stateDir>/journal.ndjson`): every step recorded before it acts and
   * its outcome after; read at start to close what a crash left open. `false` turns it off
   * (and with it the evidence that lets podwarden remove a container it was asked to uninstall
   * while it was down: such containers are then left alone unless `pruneOrphans`).
   */
  journal?: { maxBytes?: number } | false;
  /**
   * The owner's explicit word to remove every container of this instance that no installed app
   * claims, even without a recorded uninstall (and, when desired.json is missing, to start over
   * instead of adopting them). Default false: such containers are left alone and listed.
   */
  pruneOrphans?: boolean;
  /**
   * Mutating engine calls (pull, build, create, start, stop, remove) at once: at most
   * `maxInFlight` (default 4; Infinity for no bound), restarts of crashed apps first
   * (src/engine/engine-work.ts). 50 apps killed at once then restart without drowning podman.
   */
  engineWork?: { maxInFlight?: number };
  /**
   * The owner's host policy file (docs/policy.md): which app may bind which host path, add
   * which capability, join the host network. Without one, nothing that reaches the host is
   * allowed. Never a file inside the catalog.
   */
  policyFile?: string;
  /** Manifests larger than this are refused unread; default 256 KiB. */
  manifestMaxBytes?: number;
  /** Where manifests are parsed; by default `fileReader`. */
  manifestParser?: ManifestParser;
  /**
   * Where what podwarden reads from disk is checked (manifests, the policy file, desired.json);
   * by default the process's reader thread, so the main thread never loads the schema library.
   */
  fileReader?: Reader;
}

/** Pull (or build) progress of one app's image, as `progress$` emits it. */
export interface AppProgress {
  appId: string;
  progress: PullProgress;
  at: number;
}

/** Whether the daemon is doing its job, for /healthz. */
export interface Health {
  ok: boolean;
  /** `closed` while boot recovery (or the embedder) holds the gate. */
  gate: 'closed' | 'open' | 'stopped';
  engine: 'reachable' | 'unreachable' | 'unknown';
  reason: string;
  /** Who runs images' HEALTHCHECKs (see `imageHealthchecks`); absent before start. */
  imageHealthchecks?: 'podwarden' | 'engine';
}

export type { CatalogApp } from './catalog-keeper.js';
export type { AppStatus } from './status-rows.js';

export type { CommandOptions } from './command-outcome.js';

/** An uninstall with `force` goes ahead although installed apps depend on the app (they wait for it). */
export interface UninstallOptions extends CommandOptions {
  force?: boolean;
}

export interface Orchestrator {
  /** Loads the catalog and desired state, then boots the supervisor behind its recovery gate. */
  start(): Promise<void>;
  /** Finishes in-flight steps, then stops. Containers keep running. */
  stop(): Promise<void>;
  /** For an embedding daemon that set `gate.holdForEmbedder`. */
  releaseGate(): void;
  /**
   * The owner's commands resolve once the intent is saved and the machines have it; with
   * `wait` they resolve with the app's row once it reached what the command asked for
   * (running and ready; stopped; removed: undefined), and reject with PodwardenError
   * `not-reached` when it cannot (a dependency not installed or stopped, the app failed, another
   * command changed the intent) or `timed-out`.
   */
  install(appId: string, options?: CommandOptions): Promise<AppStatus | undefined>;
  /** Refused (`has-dependents`) while installed apps depend on it, unless `force`. */
  uninstall(appId: string, options?: UninstallOptions): Promise<AppStatus | undefined>;
  /**
   * `startApp`, `stopApp` and `restartApp` take a companion's id too (`bitcoind/ui`) and act on it
   * alone: a companion the owner stopped stays stopped (saved in desired.json) until started.
   */
  startApp(appId: string, options?: CommandOptions): Promise<AppStatus | undefined>;
  stopApp(appId: string, options?: CommandOptions): Promise<AppStatus | undefined>;
  /** Runs a reconcile pass now (or right after the one under way) and resolves with its report. */
  reconcileNow(): Promise<PassReport>;
  /** Re-reads the catalog; installed apps whose manifest changed are updated (recreated if needed). */
  reloadCatalog(): Promise<ManifestError[]>;
  status(): AppStatus[];
  catalogErrors(): ManifestError[];
  readonly transitions$: Observable<Transition>;
  readonly passes$: Observable<PassReport>;
  /**
   * Stop, then start again (the owner's intent; desired.json keeps `running` throughout): the
   * app's machine does it (RESTART) once the command is journaled. An app that should not run is
   * started, which desired.json holds first. Resolves when the machine has been told.
   */
  restartApp(appId: string, options?: CommandOptions): Promise<AppStatus | undefined>;
  /**
   * The app takes its catalog manifest now as an update (snapshot, trial, rollback on failure;
   * docs/updates.md), even a version an earlier update rolled back. With `wait`, `not-reached`
   * when the update was rolled back or abandoned.
   */
  updateApp(appId: string, options?: CommandOptions): Promise<AppStatus | undefined>;
  /**
   * For each installed app whose image is a tag from a registry: the digest the registry serves
   * for it now beside the one its container runs (`newer` when they differ; `problem` when it
   * could not be asked). Never rejects for a registry's sake.
   */
  imageOffers(): Promise<DigestOffer[]>;
  /** Back to the version before the app's last update, its data from that update's snapshot. */
  rollbackApp(appId: string, options?: CommandOptions): Promise<AppStatus | undefined>;
  /**
   * Binds an installed app to another file of the catalog (`file`: its name there, or a path
   * in the catalog folder), which must hold a valid manifest of that app; the app is updated
   * from it like after a reload. The only way another file can speak for an installed app.
   */
  moveApp(appId: string, file: string): Promise<void>;
  /**
   * Installs apps whose containers podwarden leaves alone (no installed app claims them and no
   * uninstall is on record; see `status()` rows in state `unclaimed`): all of them, or those
   * named. Each is wanted as the evidence says (the journal's last owner command, else running
   * if its container runs). Resolves with the apps adopted.
   */
  adopt(appIds?: string[]): Promise<string[]>;
  /** Unreadable journal lines and records this run could not write (for explain and metrics). */
  journalDamage(): JournalDamage;
  /** Mutating engine calls under way and waiting (for metrics). */
  engineWorkLoad(): EngineWorkLoad;
  /** Plain words on why the app is where it is and what podwarden did, from the journal. */
  explain(appId: string): Promise<Explanation>;
  /** A dry run of the next pass: one list call, the decision table per app, nothing done. */
  plan(): Promise<PlanEntry[]>;
  /** The app's container output (its last `tail` lines; with `follow`, until it stops). */
  logs(appId: string, options?: LogOptions): Observable<LogLine>;
  /** The catalog's apps, and whether each is installed. */
  catalog(): CatalogApp[];
  health(): Health;
  /** Pull and build progress per app. */
  readonly progress$: Observable<AppProgress>;
  /** Engine calls (method, outcome) and event delays, for metrics. */
  readonly telemetry$: Observable<EngineTelemetry | { kind: 'journal-write-failed' } | UpdateEnded>;
}
