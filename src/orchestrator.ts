import { basename, join, resolve } from 'node:path';
import { filter, firstValueFrom, Subject, type Observable } from 'rxjs';
import {
  createActor,
  fromEventObservable,
  fromPromise,
  waitFor,
  type Actor,
  type InspectionEvent,
} from 'xstate';
import { appMachine } from '../machines/app.machine.js';
import { supervisorMachine, type DeclaredApp, type Snapshot } from '../machines/supervisor.machine.js';
import { companionUnitMachine } from '../machines/companion-unit.machine.js';
import { parsePodmanVersion, usesQuadlet } from './companions/systemd/render-unit.js';
import { createSystemdUnits, systemdAvailable, unitDirectory, unitScope, type SystemdUnits } from './companions/systemd/systemd-units.js';
import { createUnitEffects } from './companions/systemd/unit-effects.js';
import { DEFAULT_BACKOFF, type BackoffPolicy, type PassReport } from '../machines/types.js';
import { createAppEffects } from './effects/app-effects.js';
import { createDockerodeEngine } from './engine/dockerode/dockerode-engine.js';
import { NAMING_DEFAULTS, ownerSelector } from './engine/labels.js';
import type { EnginePort, PullProgress } from './engine/port.js';
import { createLogger, type Logger } from './log.js';
import { bindingsOf, catalogApps, catalogProblem, createCatalogKeeper, rightsOf, withRecordedFiles, type CatalogApp } from './catalog-keeper.js';
import { checkAppId, PodwardenError } from './podwarden-error.js';
import { emptyCatalog, type Catalog } from './manifest/catalog.js';
import type { ManifestParser } from './manifest/manifest-parser.js';
import { createSpecBuilder } from './manifest/machine-spec.js';
import type { ManifestError } from './manifest/errors.js';
import { createDesiredStore, type DesiredState } from './state/desired-store.js';
import { engineEvents$ } from './streams/engine-events.js';
import { tick$ } from './streams/tick.js';
import { explainApp, type Explanation } from './explain/explain.js';
import { planPass, type PlanEntry } from './explain/plan.js';
import { instrumentEngine, type EngineTelemetry } from './engine/instrumented-engine.js';
import { createJournal, type Journal } from './journal/journal.js';
import { recoverOpenIntents, rendersCutShort } from './journal/recovery.js';
import type { JournaledFile } from './journal/records.js';
import type { LogLine, LogOptions } from './engine/port.js';
import { createTransitionTracker, topLevelState, type Transition } from './streams/transitions.js';
import { createStatusRows, type AppStatus } from './status-rows.js';

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
  /** Registries (host[:port]) that may be pulled from over plain HTTP. */
  insecureRegistries?: string[];
  logger?: Logger;
  /** Extra inspection observer, e.g. the Stately inspector. */
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
   * its outcome after; read at start to close what a crash left open. `false` turns it off.
   */
  journal?: { maxBytes?: number } | false;
  /**
   * The owner's host policy file (docs/policy.md): which app may bind which host path, add
   * which capability, join the host network. Without one, nothing that reaches the host is
   * allowed. Never a file inside the catalog.
   */
  policyFile?: string;
  /** Manifests larger than this are refused unread; default 256 KiB. */
  manifestMaxBytes?: number;
  /** Where manifests are parsed; by default the process's parser thread. */
  manifestParser?: ManifestParser;
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

export interface Orchestrator {
  /** Loads the catalog and desired state, then boots the supervisor behind its recovery gate. */
  start(): Promise<void>;
  /** Finishes in-flight steps, then stops. Containers keep running. */
  stop(): Promise<void>;
  /** For an embedding daemon that set `gate.holdForEmbedder`. */
  releaseGate(): void;
  install(appId: string): Promise<void>;
  uninstall(appId: string): Promise<void>;
  startApp(appId: string): Promise<void>;
  stopApp(appId: string): Promise<void>;
  /** Runs a reconcile pass now (or right after the one under way) and resolves with its report. */
  reconcileNow(): Promise<PassReport>;
  /** Re-reads the catalog; installed apps whose manifest changed are updated (recreated if needed). */
  reloadCatalog(): Promise<ManifestError[]>;
  status(): AppStatus[];
  catalogErrors(): ManifestError[];
  readonly transitions$: Observable<Transition>;
  readonly passes$: Observable<PassReport>;
  /**
   * Stop, then start again (the owner's intent; desired.json keeps `running` throughout). When
   * `restartStopsFirst(appId)`, the machine hears the stop at the call and the start as soon as
   * the stop is done; otherwise the restart is a start.
   */
  restartApp(appId: string): Promise<void>;
  /**
   * Binds an installed app to another file of the catalog (`file`: its name there, or a path
   * in the catalog folder), which must hold a valid manifest of that app; the app is updated
   * from it like after a reload. The only way another file can speak for an installed app.
   */
  moveApp(appId: string, file: string): Promise<void>;
  /** Whether a `restartApp(appId)` now would stop the app first (for recordings: when it takes effect). */
  restartStopsFirst(appId: string): boolean;
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
  readonly telemetry$: Observable<EngineTelemetry | { kind: 'journal-write-failed' }>;
}

export { PodwardenError } from './podwarden-error.js';

/**
 * Where a restart's stop ends: stopped, gone, or backing off because the stop failed (the
 * start that follows is what the owner wants either way).
 */
const RESTART_STOPPED_STATES = new Set(['stopped', 'removed', 'halted', 'backoff']);
const RESTART_TIMEOUT_MS = 5 * 60_000;

const DEFAULTS = {
  socketPath: '/run/podman/podman.sock',
  ...NAMING_DEFAULTS,
  intervalMs: 30_000,
  gateCapMs: 30 * 60_000,
  recoverRetryMs: 5_000,
  passTimeoutMs: 10_000,
};

type Supervisor = Actor<typeof supervisorMachine>;

export function createOrchestrator(options: OrchestratorOptions): Orchestrator {
  const log = options.logger ?? createLogger();
  const instance = options.instance ?? DEFAULTS.instance;
  const namePrefix = options.namePrefix ?? DEFAULTS.namePrefix;
  const dataDir = resolve(options.dataDir ?? join(options.stateDir, 'apps'));
  const secretsDir = resolve(options.secretsDir ?? join(options.stateDir, 'secrets'));
  let imageHealthchecks: 'podwarden' | 'engine' | undefined;
  const specs = createSpecBuilder({ instance, namePrefix, dataDir, secretsDir, imageHealthchecksBy: () => imageHealthchecks ?? 'podwarden' });
  const keeper = createCatalogKeeper({ ...options, dataDir, secretsDir, log });
  const telemetry = new Subject<EngineTelemetry | { kind: 'journal-write-failed' }>();
  const progress = new Subject<AppProgress>();
  let engineProblem: string | undefined;
  let engineAnswered = false;
  const engine = instrumentEngine(
    options.engine ?? createDockerodeEngine({ socketPath: options.socketPath ?? DEFAULTS.socketPath }),
    (event) => {
      if (event.kind === 'call') {
        if (event.outcome === 'unreachable') engineProblem = event.error ?? 'the engine does not answer';
        else if (event.outcome === 'ok' && (event.call === 'list' || event.call === 'ping')) {
          engineProblem = undefined;
          engineAnswered = true;
        }
      }
      telemetry.next(event);
    },
  );
  const journal: Journal | undefined =
    options.journal === false
      ? undefined
      : createJournal({
          dir: options.stateDir,
          maxBytes: options.journal?.maxBytes,
          logger: log,
          onWriteFailure: () => telemetry.next({ kind: 'journal-write-failed' }),
        });
  const store = createDesiredStore(options.stateDir);
  const backoff: BackoffPolicy = { ...DEFAULT_BACKOFF, ...options.backoff };
  const tracker = createTransitionTracker();
  const statusRows = createStatusRows(tracker.transitions$);
  const passes = new Subject<PassReport>();
  const owner = ownerSelector(instance);

  let catalog: Catalog = emptyCatalog();
  let desired: DesiredState = { version: 1, apps: {} };
  let root: Supervisor | undefined;
  let stopping: Promise<void> | undefined;

  function declared(appId: string): DeclaredApp | undefined {
    const entry = catalog.apps.get(appId);
    const wanted = desired.apps[appId];
    if (!entry || !wanted) return undefined;
    return {
      spec: specs.app(entry),
      desired: wanted.desired,
      dependsOn: entry.manifest.dependsOn,
      companions: specs.companions(entry),
    };
  }

  function manifestProblem(appId: string): string {
    return catalogProblem(catalog, appId, options.catalogDir);
  }

  /** A new catalog in force: installed apps whose manifest now means something else are updated. */
  function applyCatalog(next: Catalog): void {
    const supervisor = requireRoot();
    const before = catalog;
    catalog = next;
    for (const appId of Object.keys(desired.apps)) {
      const entry = catalog.apps.get(appId);
      if (entry && entry.hash !== before.apps.get(appId)?.hash) supervisor.send({ type: 'INSTALL', appId, app: declared(appId)! });
      else if (!entry && before.apps.has(appId)) {
        log.warn({ app: appId }, `${appId} keeps running as it was: its manifest is refused now: ${manifestProblem(appId)}`);
      }
    }
  }

  function requireRoot(): Supervisor {
    if (!root) throw new PodwardenError('podwarden is not started');
    return root;
  }

  function requireInstalled(appId: string): void {
    checkAppId(appId);
    if (!desired.apps[appId]) throw new PodwardenError(`app "${appId}" is not installed`, 'not-found');
  }

  function command(appId: string, name: string, note?: string): Promise<unknown> {
    return journal?.append({ type: 'command', at: Date.now(), appId, command: name, ...(note !== undefined ? { note } : {}) }) ?? Promise.resolve();
  }

  async function setDesired(appId: string, state: 'running' | 'stopped'): Promise<void> {
    requireInstalled(appId);
    const supervisor = requireRoot();
    desired = { ...desired, apps: { ...desired.apps, [appId]: { ...desired.apps[appId]!, desired: state } } };
    await store.save(desired);
    supervisor.send({ type: 'SET_DESIRED', appId, desired: state });
    if (state === 'running') retry(appId);
  }

  /** The owner asked for the app again: one that gave up (`failed`) tries afresh. */
  function retry(appId: string): void {
    requireRoot().getSnapshot().context.refs[appId]?.send({ type: 'RETRY' });
  }

  /** Whether `restartApp` stops the app first (it runs, or should): otherwise a restart is a start. */
  function restartStopsFirst(appId: string): boolean {
    return root?.getSnapshot().context.refs[appId] !== undefined && desired.apps[appId]?.desired === 'running';
  }

  /** Running a check twice is only waste; never running it is a blind spot: podwarden when in doubt. */
  async function chooseImageHealthchecks(): Promise<'podwarden' | 'engine'> {
    const asked = options.imageHealthchecks ?? 'auto';
    if (asked !== 'auto') return asked;
    try {
      return (await engine.ping()).runsHealthchecks ? 'engine' : 'podwarden';
    } catch (error) {
      log.warn({ err: error instanceof Error ? error.message : String(error) }, 'cannot ask the engine whether it runs health checks; podwarden runs them');
      return 'podwarden';
    }
  }

  async function chooseCompanionBackend(): Promise<'container' | 'systemd'> {
    const asked = options.companionBackend ?? 'auto';
    if (asked !== 'auto') return asked;
    return (await systemdAvailable(unitScope())) ? 'systemd' : 'container';
  }

  /** Quadlet or .service follows the engine's podman version, read once at start. */
  async function systemdEffects() {
    const info = await engine.ping();
    if (info.flavor !== 'podman') throw new PodwardenError(`the systemd companion backend needs podman; the engine is ${info.flavor} ${info.version}`);
    const podman = parsePodmanVersion(info.version);
    const quadlet = usesQuadlet(podman);
    const scope = unitScope();
    const units = options.systemdUnits ?? createSystemdUnits({ directory: unitDirectory(scope, quadlet), quadlet, scope });
    return createUnitEffects(units, { podman, logger: log });
  }

  function observeEngine(): Promise<Snapshot> {
    const observedAt = Date.now();
    return engine.list(owner).then((containers) => ({ observedAt, containers }));
  }

  const api: Orchestrator = {
    transitions$: tracker.transitions$,
    passes$: passes.asObservable(),
    progress$: progress.asObservable(),
    telemetry$: telemetry.asObservable(),

    async start() {
      if (root) throw new PodwardenError('podwarden is already started');
      desired = await store.load();
      catalog = await keeper.start(bindingsOf(desired));
      const recorded = withRecordedFiles(desired, catalog);
      if (recorded) {
        desired = recorded;
        await store.save(desired);
      }
      imageHealthchecks = await chooseImageHealthchecks();
      log.info({ imageHealthchecks }, imageHealthchecks === 'engine' ? "the engine runs images' HEALTHCHECKs; podwarden acts on its verdict" : "podwarden runs images' HEALTHCHECKs as liveness probes");
      let cutShort = new Map<string, JournaledFile[]>();
      if (journal) {
        // Before the supervisor (and so before its recovery gate): steps a crash cut short are
        // closed first, so the passes after the gate start from a journal that is whole.
        const records = await journal.open();
        cutShort = rendersCutShort(records);
        await recoverOpenIntents({ journal, records, engine, instance, logger: log });
      }

      const apps: Record<string, DeclaredApp> = {};
      const held: Record<string, string> = {};
      for (const appId of Object.keys(desired.apps)) {
        const app = declared(appId);
        if (app) apps[appId] = app;
        else held[appId] = manifestProblem(appId);
      }
      for (const [appId, problem] of Object.entries(held)) {
        log.error({ app: appId }, `installed app cannot be managed, its container is left alone: ${problem}`);
      }

      const companionBackend = await chooseCompanionBackend();
      const unitEffects = companionBackend === 'systemd' ? await systemdEffects() : undefined;
      log.info({ companionBackend }, `companions run as ${companionBackend === 'systemd' ? 'systemd units' : 'containers supervised by podwarden'}`);

      const effects = createAppEffects(engine, {
        logger: log,
        insecureRegistries: options.insecureRegistries ?? [],
        onProgress: (appId, report) => {
          progress.next({ appId, progress: report, at: Date.now() });
          options.onPullProgress?.(appId, report);
        },
        journal,
        rendersCutShort: cutShort,
        ...(options.diskReserveBytes !== undefined ? { diskReserveBytes: options.diskReserveBytes } : {}),
      });
      const machine = supervisorMachine.provide({
        actors: {
          app: appMachine.provide({ actors: effects }),
          ...(unitEffects ? { companionUnit: companionUnitMachine.provide({ actors: unitEffects }) } : {}),
          recover: fromPromise(observeEngine),
          observe: fromPromise(observeEngine),
          ticks: fromEventObservable(() => tick$(options.intervalMs ?? DEFAULTS.intervalMs)),
          engineEvents: fromEventObservable(() =>
            engineEvents$(engine, owner, {
              onDisconnect: (error, attempt) =>
                log.warn({ attempt, err: error instanceof Error ? error.message : String(error) }, 'engine event stream lost; reconnecting'),
            }),
          ),
        },
      });
      const inspectors = [tracker.inspect, options.inspect].filter((fn) => fn !== undefined);
      const supervisor = createActor(machine, {
        input: {
          apps,
          held,
          backoff,
          holdGateForEmbedder: options.gate?.holdForEmbedder ?? false,
          gateCapMs: options.gate?.capMs ?? DEFAULTS.gateCapMs,
          recoverRetryMs: DEFAULTS.recoverRetryMs,
          passTimeoutMs: DEFAULTS.passTimeoutMs,
          companionBackend,
        },
        inspect: (event) => inspectors.forEach((inspect) => inspect(event)),
      });
      supervisor.on('pass', ({ report }) => {
        passes.next(report);
        const acted = report.entries.filter((entry) => entry.action !== 'none');
        if (report.error) log.warn({ pass: report.passId }, `pass ${report.passId}: ${report.error}`);
        else if (acted.length > 0) log.info({ pass: report.passId, acted }, `pass ${report.passId}`);
      });
      supervisor.on('gateOpened', ({ reason }) => {
        if (reason === 'cap') log.warn('recovery gate opened by its cap before recovery finished');
        else log.info('recovery done; supervising');
      });
      supervisor.on('recoveryFailed', ({ error }) =>
        log.error({ err: error }, `boot recovery cannot list containers, retrying: ${error}`),
      );
      supervisor.on('engineReconnected', () => log.info('engine event stream back; resyncing'));
      supervisor.subscribe({ error: (error) => log.fatal({ err: error }, 'supervisor crashed') });
      tracker.transitions$.subscribe((transition) =>
        log.info(
          { app: transition.appId, from: transition.from, to: transition.to, reason: transition.reason },
          `${transition.appId}: ${transition.from ?? '∅'} → ${transition.to}`,
        ),
      );
      root = supervisor;
      supervisor.start();
    },

    stop() {
      if (!root) return Promise.resolve();
      stopping ??= (async () => {
        const supervisor = root!;
        supervisor.send({ type: 'SHUTDOWN' });
        await waitFor(supervisor, (snapshot) => snapshot.status === 'done', { timeout: Infinity });
        await journal?.close();
        tracker.complete();
        passes.complete();
        progress.complete();
        telemetry.complete();
      })();
      return stopping;
    },

    releaseGate() {
      requireRoot().send({ type: 'RELEASE_GATE' });
    },

    async install(appId) {
      checkAppId(appId);
      const supervisor = requireRoot();
      const entry = catalog.apps.get(appId);
      if (!entry) throw new PodwardenError(`cannot install "${appId}": ${manifestProblem(appId)}`, catalog.problems.has(appId) ? 'invalid' : 'not-found');
      await command(appId, 'install');
      const current = desired.apps[appId];
      desired = {
        ...desired,
        // The file it is installed from is the only one that speaks for it from now on.
        apps: { ...desired.apps, [appId]: { desired: current?.desired ?? 'running', installedAt: current?.installedAt ?? new Date().toISOString(), manifestFile: current?.manifestFile ?? basename(entry.file) } },
      };
      await store.save(desired);
      supervisor.send({ type: 'INSTALL', appId, app: declared(appId)! });
      retry(appId);
    },

    async uninstall(appId) {
      requireInstalled(appId);
      const supervisor = requireRoot();
      await command(appId, 'uninstall');
      const { [appId]: _gone, ...apps } = desired.apps;
      desired = { ...desired, apps };
      await store.save(desired);
      supervisor.send({ type: 'UNINSTALL', appId });
    },

    reconcileNow() {
      const supervisor = requireRoot();
      // A pass whose list call is already out saw the engine before this request: wait for the next.
      const snapshot = supervisor.getSnapshot();
      const first = snapshot.context.passSeq + (snapshot.matches({ supervising: 'observing' }) ? 2 : 1);
      const report = firstValueFrom(passes.pipe(filter((pass) => pass.passId >= first)));
      supervisor.send({ type: 'TICK' });
      return report;
    },

    async startApp(appId) {
      requireInstalled(appId);
      await command(appId, 'start');
      await setDesired(appId, 'running');
    },
    async stopApp(appId) {
      requireInstalled(appId);
      await command(appId, 'stop');
      await setDesired(appId, 'stopped');
    },

    async restartApp(appId) {
      requireInstalled(appId);
      const supervisor = requireRoot();
      const ref = supervisor.getSnapshot().context.refs[appId];
      if (!restartStopsFirst(appId)) {
        // Not running as the owner wants it: a restart is a start.
        await command(appId, 'restart');
        await setDesired(appId, 'running');
        return;
      }
      // The machine hears the stop at the call (where a recording replays it); the journal
      // queues its appends in order, so the command is still written before the stop's intent.
      // Only the machine hears it: desired.json stays `running`, so a crash mid-restart leaves
      // the app to be started again, never stopped for good.
      const noted = command(appId, 'restart');
      supervisor.send({ type: 'SET_DESIRED', appId, desired: 'stopped' });
      await noted;
      await waitFor(ref!, (snapshot) => RESTART_STOPPED_STATES.has(topLevelState(snapshot.value)), {
        timeout: RESTART_TIMEOUT_MS,
      });
      if (desired.apps[appId]?.desired === 'running') {
        // desired.json said `running` throughout: the start follows the stop at once, with nothing to write.
        supervisor.send({ type: 'SET_DESIRED', appId, desired: 'running' });
        retry(appId);
        return;
      }
      await setDesired(appId, 'running');
    },

    restartStopsFirst,

    async explain(appId) {
      checkAppId(appId);
      const row = api.status().find((entry) => entry.appId === appId);
      if (!row && !catalog.apps.has(appId)) throw new PodwardenError(`no app "${appId}" is installed or in the catalog`, 'not-found');
      const records = journal ? await journal.read() : [];
      return explainApp(row, appId, records);
    },

    async plan() {
      const supervisor = requireRoot();
      const containers = await engine.list(owner);
      const context = supervisor.getSnapshot().context;
      const apps = Object.entries(context.apps).map(([appId, app]) => {
        const ref = context.refs[appId];
        return {
          appId,
          state: ref ? topLevelState(ref.getSnapshot().value) : 'not spawned',
          desired: app.desired,
          specHash: app.spec.specHash,
          ...(app.spec.ignoreEngineHealth ? { ignoreEngineHealth: true } : {}),
        };
      });
      return planPass(apps, context.held, containers);
    },

    logs(appId, logOptions = {}) {
      checkAppId(appId);
      const row = api.status().find((entry) => entry.appId === appId);
      if (!row) throw new PodwardenError(`app "${appId}" is not installed`, 'not-found');
      return engine.logs(row.containerId ?? `${namePrefix}${appId}`, logOptions);
    },

    catalog: () => catalogApps(catalog, desired),

    health() {
      if (!root) return { ok: false, gate: 'stopped', engine: 'unknown', reason: 'podwarden is not started' };
      const snapshot = root.getSnapshot();
      if (snapshot.status === 'done' || snapshot.matches('draining')) {
        return { ok: false, gate: 'stopped', engine: 'unknown', reason: 'podwarden is stopping' };
      }
      const engineState = engineProblem ? 'unreachable' : engineAnswered ? 'reachable' : 'unknown';
      if (snapshot.matches('recovering')) {
        const why = snapshot.context.recoveryError
          ? `recovery gate closed: the engine cannot be listed (${snapshot.context.recoveryError})`
          : snapshot.context.holdGateForEmbedder && !snapshot.context.embedderReleased
            ? 'recovery gate closed: held by the embedding daemon'
            : 'recovery gate closed: adopting containers';
        return { ok: false, gate: 'closed', engine: engineState, reason: why };
      }
      if (engineProblem) return { ok: false, gate: 'open', engine: 'unreachable', reason: `engine unreachable: ${engineProblem}`, imageHealthchecks };
      return { ok: true, gate: 'open', engine: engineState, reason: 'supervising', imageHealthchecks };
    },

    async reloadCatalog() {
      requireRoot();
      applyCatalog(await keeper.reload(bindingsOf(desired)));
      return catalog.errors;
    },

    async moveApp(appId, file) {
      requireInstalled(appId);
      requireRoot();
      const { catalog: next, name } = await keeper.readMove(bindingsOf(desired), appId, file);
      await command(appId, 'move', name);
      desired = { ...desired, apps: { ...desired.apps, [appId]: { ...desired.apps[appId]!, manifestFile: name } } };
      await store.save(desired);
      applyCatalog(next);
    },

    status() {
      if (!root) return [];
      return statusRows.rows(root.getSnapshot().context, (appId) => desired.apps[appId]?.desired).map((row) => {
        const rights = rightsOf(catalog, row.appId, row.companion === undefined ? row.appId : `${row.appId}/${row.companion}`);
        return rights.length > 0 ? { ...row, rights } : row;
      });
    },

    catalogErrors: () => catalog.errors,
  };
  return api;
}
