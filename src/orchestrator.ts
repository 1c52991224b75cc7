import { join, resolve } from 'node:path';
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
import { describeFailure, type FailureReason } from '../machines/failure.js';
import { DEFAULT_BACKOFF, type AppSpec, type BackoffPolicy, type PassReport } from '../machines/types.js';
import { createAppEffects } from './effects/app-effects.js';
import { createDockerodeEngine } from './engine/dockerode/dockerode-engine.js';
import { LABELS, NAMING_DEFAULTS, ownerSelector } from './engine/labels.js';
import type { EnginePort, PullProgress } from './engine/port.js';
import { createLogger, type Logger } from './log.js';
import { loadCatalog, type Catalog, type CatalogEntry } from './manifest/catalog.js';
import { appProbes } from './manifest/app-probes.js';
import { toContainerSpec } from './manifest/container-spec.js';
import type { ManifestError } from './manifest/errors.js';
import { createDesiredStore, type DesiredState } from './state/desired-store.js';
import { engineEvents$ } from './streams/engine-events.js';
import { tick$ } from './streams/tick.js';
import { createTransitionTracker, topLevelState, type Transition } from './streams/transitions.js';

export interface OrchestratorOptions {
  /** Folder of app manifests (*.yml). */
  catalogDir: string;
  /** Where podwarden keeps what the owner asked for (desired.json). */
  stateDir: string;
  /** Apps' own data (`./x` volumes); defaults to `<stateDir>/apps`. */
  dataDir?: string;
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
}

export interface AppStatus {
  appId: string;
  /** Machine state (`running`, `backoff`, `stopped`, …) or `manifest-error` when it cannot be managed. */
  state: string;
  desired: 'running' | 'stopped' | 'absent';
  reason: string;
  failures: number;
  /** The last failure as a person reads it (see `describeFailure`). */
  failure?: string;
  /** The same failure as data: `kind` and its fields (exit code, probe output, …). */
  failureReason?: FailureReason;
  /** Running and passing its startup and readiness probes (running, when it declares none). */
  ready: boolean;
  containerId?: string;
  containerStatus?: string;
  health?: string;
}

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
}

export class PodwardenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PodwardenError';
  }
}

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
  const engine = options.engine ?? createDockerodeEngine({ socketPath: options.socketPath ?? DEFAULTS.socketPath });
  const store = createDesiredStore(options.stateDir);
  const backoff: BackoffPolicy = { ...DEFAULT_BACKOFF, ...options.backoff };
  const tracker = createTransitionTracker();
  const passes = new Subject<PassReport>();
  const owner = ownerSelector(instance);

  let catalog: Catalog = { apps: new Map(), errors: [] };
  let desired: DesiredState = { version: 1, apps: {} };
  let root: Supervisor | undefined;
  let stopping: Promise<void> | undefined;

  function specFor(entry: CatalogEntry): AppSpec {
    const id = entry.manifest.id;
    const appDataDir = join(dataDir, id);
    const container = toContainerSpec(entry.manifest, { instance, namePrefix, appDataDir });
    const build = entry.manifest.container.build;
    const probes = appProbes(entry.manifest);
    return {
      appId: id,
      container,
      image: {
        ref: container.image,
        pullPolicy: entry.manifest.container.pullPolicy,
        // The schema already made the context absolute (relative to the manifest's folder).
        ...(build ? { build: { context: build.context, containerfile: build.containerfile } } : {}),
      },
      specHash: container.labels[LABELS.specHash] ?? '',
      ...(probes ? { probes } : {}),
      directories: container.mounts
        .filter((mount) => mount.source.startsWith(appDataDir))
        .map((mount) => mount.source),
    };
  }

  function declared(appId: string): DeclaredApp | undefined {
    const entry = catalog.apps.get(appId);
    const wanted = desired.apps[appId];
    if (!entry || !wanted) return undefined;
    return { spec: specFor(entry), desired: wanted.desired };
  }

  function manifestProblem(appId: string): string {
    const errors = catalog.errors.filter((error) => error.file.includes(appId) || error.message.includes(appId));
    if (errors.length > 0) return errors.map(String).join('; ');
    return `no manifest for "${appId}" in ${options.catalogDir}`;
  }

  function requireRoot(): Supervisor {
    if (!root) throw new PodwardenError('podwarden is not started');
    return root;
  }

  function requireInstalled(appId: string): void {
    if (!desired.apps[appId]) throw new PodwardenError(`app "${appId}" is not installed`);
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

  function observeEngine(): Promise<Snapshot> {
    const observedAt = Date.now();
    return engine.list(owner).then((containers) => ({ observedAt, containers }));
  }

  return {
    transitions$: tracker.transitions$,
    passes$: passes.asObservable(),

    async start() {
      if (root) throw new PodwardenError('podwarden is already started');
      catalog = await loadCatalog(options.catalogDir);
      for (const error of catalog.errors) log.error({ file: error.file, field: error.path }, String(error));
      desired = await store.load();

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

      const effects = createAppEffects(engine, {
        logger: log,
        insecureRegistries: options.insecureRegistries ?? [],
        onProgress: options.onPullProgress,
      });
      const machine = supervisorMachine.provide({
        actors: {
          app: appMachine.provide({ actors: effects }),
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
        tracker.complete();
        passes.complete();
      })();
      return stopping;
    },

    releaseGate() {
      requireRoot().send({ type: 'RELEASE_GATE' });
    },

    async install(appId) {
      const supervisor = requireRoot();
      const entry = catalog.apps.get(appId);
      if (!entry) throw new PodwardenError(`cannot install "${appId}": ${manifestProblem(appId)}`);
      const current = desired.apps[appId];
      desired = {
        ...desired,
        apps: { ...desired.apps, [appId]: { desired: current?.desired ?? 'running', installedAt: current?.installedAt ?? new Date().toISOString() } },
      };
      await store.save(desired);
      supervisor.send({ type: 'INSTALL', appId, app: declared(appId)! });
      retry(appId);
    },

    async uninstall(appId) {
      requireInstalled(appId);
      const supervisor = requireRoot();
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

    startApp: (appId) => setDesired(appId, 'running'),
    stopApp: (appId) => setDesired(appId, 'stopped'),

    async reloadCatalog() {
      const supervisor = requireRoot();
      const before = catalog;
      catalog = await loadCatalog(options.catalogDir);
      for (const error of catalog.errors) log.error({ file: error.file, field: error.path }, String(error));
      for (const appId of Object.keys(desired.apps)) {
        const next = catalog.apps.get(appId);
        if (next && next.hash !== before.apps.get(appId)?.hash) {
          supervisor.send({ type: 'INSTALL', appId, app: declared(appId)! });
        }
      }
      return catalog.errors;
    },

    status() {
      if (!root) return [];
      const context = root.getSnapshot().context;
      const rows: AppStatus[] = [];
      for (const [appId, ref] of Object.entries(context.refs)) {
        const snapshot = ref.getSnapshot();
        const app = snapshot.context;
        rows.push({
          appId,
          state: topLevelState(snapshot.value),
          desired: app.desired,
          reason: app.reason,
          failures: app.failures,
          ready: app.ready,
          ...(app.failure ? { failure: describeFailure(app.failure), failureReason: app.failure } : {}),
          ...(app.container ? { containerId: app.container.id, containerStatus: app.container.status, health: app.container.health } : {}),
        });
      }
      for (const [appId, problem] of Object.entries(context.held)) {
        rows.push({ appId, state: 'manifest-error', desired: desired.apps[appId]?.desired ?? 'running', reason: problem, failures: 0, ready: false });
      }
      return rows.sort((a, b) => a.appId.localeCompare(b.appId));
    },

    catalogErrors: () => catalog.errors,
  };
}
