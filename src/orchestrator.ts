import { join, resolve } from 'node:path';
import { filter, firstValueFrom, Subject } from 'rxjs';
import { waitFor, type Actor } from 'xstate';
import type { supervisorMachine, DeclaredApp, Snapshot } from '../machines/supervisor.machine.js';
import { DEFAULT_BACKOFF, type BackoffPolicy, type PassReport } from '../machines/types.js';
import { createAppEffects } from './effects/app-effects.js';
import { createDockerodeEngine } from './engine/dockerode/dockerode-engine.js';
import { systemClock } from './domain/clock.js';
import { NAMING_DEFAULTS, ownerSelector } from './domain/labels.js';
import { createLogger } from './log.js';
import { bindingsOf, catalogProblem, createCatalogKeeper, withRecordedFiles } from './catalog-keeper.js';
import { emptyCatalog, type Catalog } from './manifest/catalog.js';
import { createSpecBuilder } from './manifest/machine-spec.js';
import { createDesiredStore, emptyDesiredState, type DesiredState } from './state/desired-store.js';
import { instrumentEngine, type EngineTelemetry } from './engine/instrumented-engine.js';
import { boundEngineWork } from './engine/engine-work.js';
import { createJournal, type Journal } from './journal/journal.js';
import { recoverJournalAtBoot } from './journal/recovery.js';
import type { JournalRecord } from './journal/records.js';
import { clockScheduler } from './streams/clock-scheduler.js';
import { createTransitionStream } from './streams/transitions.js';
import { createStatusRows, rowKey } from './status-rows.js';
import { followNameWaits, watchFreedNames } from './streams/freed-names.js';
import type { AppProgress, Orchestrator, OrchestratorOptions } from './orchestrator-types.js';
import { checkAppId, PodwardenError } from './podwarden-error.js';
import { createOrchestratorQueries } from './orchestrator-queries.js';
import { createEngineReach } from './orchestrator-health.js';
import { chooseCompanionBackend, chooseImageHealthchecks } from './boot-choices.js';
import { createSupervisorActor, logSupervisor } from './supervisor-actor.js';
import { createUpdateWiring, type UpdateEnded } from './updates/update-wiring.js';
import { createOwnerCommands } from './owner-commands.js';
import { awaitedCommands } from './command-outcome.js';
import { dependencyBlocker, dependentsOf } from './dependencies.js';
import { createOrphanGuard, type OrphanGuard } from './orphan-guard.js';
import { adoptAtBoot } from './boot-adoption.js';
import { lastOwnerWords } from './state/owner-words.js';
import { adoptLeftAlone } from './adopt-left-alone.js';
import { removeStaleTempFiles } from './state/stale-temp-files.js';
import { createRegistryWiring } from './registry/registry-wiring.js';

export type {
  AppProgress,
  AppStatus,
  CatalogApp,
  CommandOptions,
  Health,
  Orchestrator,
  OrchestratorOptions,
  UninstallOptions,
} from './orchestrator-types.js';
export { PodwardenError } from './podwarden-error.js';

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
  const clock = options.clock ?? systemClock;
  const instance = options.instance ?? DEFAULTS.instance;
  const namePrefix = options.namePrefix ?? DEFAULTS.namePrefix;
  const dataDir = resolve(options.dataDir ?? join(options.stateDir, 'apps'));
  let imageHealthchecks: 'podwarden' | 'engine' | undefined;
  const secretsDir = resolve(options.secretsDir ?? join(options.stateDir, 'secrets'));
  const specs = createSpecBuilder({
    instance,
    namePrefix,
    dataDir,
    secretsDir,
    imageHealthchecksBy: () => imageHealthchecks ?? 'podwarden',
  });
  const keeper = createCatalogKeeper({ ...options, dataDir, secretsDir, log });
  const telemetry = new Subject<EngineTelemetry | { kind: 'journal-write-failed' } | UpdateEnded>();
  const updates = createUpdateWiring({ ...options, logger: log, clock, onEnded: (event) => telemetry.next(event) });
  const progress = new Subject<AppProgress>();
  const engineReach = createEngineReach();
  const work = boundEngineWork(
    options.engine ?? createDockerodeEngine({ socketPath: options.socketPath ?? DEFAULTS.socketPath }),
    options.engineWork ?? {},
  );
  const engine = instrumentEngine(
    work,
    (event) => {
      engineReach.note(event);
      telemetry.next(event);
    },
    clock,
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
  const store = createDesiredStore(options.stateDir, options.fileReader ? { reader: options.fileReader } : {});
  const backoff: BackoffPolicy = { ...DEFAULT_BACKOFF, ...options.backoff };
  const tracker = createTransitionStream();
  const statusRows = createStatusRows(tracker.transitions$);
  const passes = new Subject<PassReport>();
  const owner = ownerSelector(instance);

  let catalog: Catalog = emptyCatalog();
  let desired: DesiredState = emptyDesiredState();
  let root: Supervisor | undefined;
  let stopping: Promise<void> | undefined;
  let guard: OrphanGuard | undefined;
  // desired.json was missing at start: boot recovery rebuilds it from the evidence.
  let adoptionPending = false;

  /** Called only once `next` is on disk: from then on it is what the owner asked for. */
  const believe = (next: DesiredState): void => {
    desired = next;
  };

  function declared(appId: string): DeclaredApp | undefined {
    const entry = catalog.apps.get(appId);
    const wanted = desired.apps[appId];
    if (!entry || !wanted) return undefined;
    return {
      spec: specs.app(entry),
      desired: wanted.desired,
      dependsOn: entry.manifest.dependsOn,
      companions: specs.companions(entry),
      ...(wanted.stoppedCompanions ? { stoppedCompanions: wanted.stoppedCompanions } : {}),
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
      if (entry && entry.hash !== before.apps.get(appId)?.hash)
        supervisor.send({ type: 'INSTALL', appId, app: declared(appId)! });
      else if (!entry && before.apps.has(appId)) {
        log.warn(
          { app: appId },
          `${appId} keeps running as it was: its manifest is refused now: ${manifestProblem(appId)}`,
        );
      }
    }
  }

  function requireRoot(): Supervisor {
    if (!root) throw new PodwardenError('podwarden is not started');
    return root;
  }

  const names = watchFreedNames(work, {
    logger: log,
    scheduler: clockScheduler(clock),
    onFreed: (key, name) => {
      log.info({ app: key, name }, `container name ${name} is free again: ${key} goes on now`);
      root?.getSnapshot().context.refs[key]?.send({ type: 'NAME.FREED', name });
    },
  });

  const commands = createOwnerCommands({
    store,
    journal,
    logger: log,
    clock,
    desired: () => desired,
    believe,
    supervisor: requireRoot,
    declared,
    catalogFile: (appId) => catalog.apps.get(appId)?.file,
    catalogRefuses: (appId) => catalog.problems.has(appId),
    manifestProblem,
    dependents: (appId) => dependentsOf(catalog, desired, appId),
    uninstalled: (appId) => {
      guard?.uninstalledNow(appId);
      void updates.forget(appId);
    },
    statusOf: (appId) => queries.status().find((row) => rowKey(row) === appId),
    newDigest: (spec) => registry.newDigest(spec),
  });
  const installedSpecs = () => Object.keys(desired.apps).flatMap((appId) => declared(appId)?.spec ?? []);
  const registry = createRegistryWiring({ ...options, engine, logger: log, installed: installedSpecs });

  function observeEngine(): Promise<Snapshot> {
    const observedAt = clock.now();
    return engine.list(owner).then((containers) => ({ observedAt, containers }));
  }

  /** What the supervisor may see of the engine: containers it must not prune are left out (orphan-guard.ts). */
  function guarded(snapshot: Snapshot): Snapshot {
    return guard ? guard.filter(snapshot, requireRoot().getSnapshot().context) : snapshot;
  }

  /** Boot recovery's list; when desired.json was missing, the apps it shows are adopted first (boot-adoption.ts). */
  async function recoverEngine(records: readonly JournalRecord[]): Promise<Snapshot> {
    const snapshot = await observeEngine();
    if (adoptionPending) {
      await adoptAtBoot(snapshot, {
        store,
        journal,
        logger: log,
        clock,
        words: lastOwnerWords(records),
        believe,
        supervisor: requireRoot,
        declared,
        catalogFile: (appId) => catalog.apps.get(appId)?.file,
      });
      adoptionPending = false;
    }
    return guarded(snapshot);
  }

  const queries = createOrchestratorQueries({
    root: () => root,
    requireRoot,
    catalog: () => catalog,
    desired: () => desired,
    guard: () => guard,
    statusRows,
    journal,
    engine,
    owner,
    namePrefix,
    engineReach: () => engineReach.now(),
    imageHealthchecks: () => imageHealthchecks,
    engineWorkLoad: () => work.load(),
  });

  const api: Orchestrator = {
    transitions$: tracker.transitions$,
    passes$: passes.asObservable(),
    progress$: progress.asObservable(),
    telemetry$: telemetry.asObservable(),

    async start() {
      if (root) throw new PodwardenError('podwarden is already started');
      const leftovers = await removeStaleTempFiles(options.stateDir);
      if (leftovers.length > 0)
        log.info({ files: leftovers }, `removed ${leftovers.length} temp file(s) of writes a crash interrupted`);
      // Unreadable: start rejects with a DesiredStateError naming the file, the problem and the
      // way out, before anything runs. Missing: boot recovery adopts what the evidence shows.
      const found = await store.loadOrMissing();
      desired = found ?? emptyDesiredState();
      catalog = await keeper.start(bindingsOf(desired));
      const recorded = withRecordedFiles(desired, catalog);
      if (recorded) {
        await store.save(recorded);
        desired = recorded;
      }
      adoptionPending = found === undefined && !options.pruneOrphans;
      if (found === undefined && options.pruneOrphans) {
        log.warn(
          'desired.json is missing and the owner asked to prune orphans: every container of this instance is removed (start over)',
        );
      }
      imageHealthchecks = await chooseImageHealthchecks(engine, options.imageHealthchecks, log);
      // Before the supervisor (and so before its recovery gate): steps a crash cut short are
      // closed first, so the passes after the gate start from a journal that is whole.
      const { records, cutShort } = await recoverJournalAtBoot(journal, { engine, instance, logger: log, clock });
      const words = lastOwnerWords(records);
      guard = createOrphanGuard({
        pruneOrphans: options.pruneOrphans ?? false,
        uninstalled: [...words].filter(([, word]) => word.desired === 'absent').map(([appId]) => appId),
        isInstalled: (appId) => desired.apps[appId] !== undefined,
      });

      const apps: Record<string, DeclaredApp> = {};
      const refused: Record<string, string> = {};
      const updateRecords = await updates.loadAtBoot();
      for (const appId of Object.keys(desired.apps)) {
        const app = declared(appId);
        const record = updateRecords.get(appId);
        if (app) apps[appId] = record ? { ...app, update: record } : app;
        else refused[appId] = manifestProblem(appId);
      }
      for (const [appId, problem] of Object.entries(refused)) {
        log.error({ app: appId }, `installed app cannot be managed, its container is left alone: ${problem}`);
      }

      const { companionBackend, unitEffects } = await chooseCompanionBackend(engine, options, log);

      const effects = createAppEffects(engine, {
        logger: log,
        insecureRegistries: options.insecureRegistries ?? [],
        onProgress: (appId, report) => {
          progress.next({ appId, progress: report, at: clock.now() });
          options.onPullProgress?.(appId, report);
        },
        journal,
        rendersCutShort: cutShort,
        clock,
        ...(options.diskReserveBytes !== undefined ? { diskReserveBytes: options.diskReserveBytes } : {}),
      });
      const supervisor = createSupervisorActor({
        appEffects: { ...effects, ...updates.effects },
        unitEffects,
        recover: () => recoverEngine(records),
        observe: async () => guarded(await observeEngine()),
        engine,
        owner,
        intervalMs: options.intervalMs ?? DEFAULTS.intervalMs,
        input: {
          apps,
          refused,
          backoff,
          holdGateForEmbedder: options.gate?.holdForEmbedder ?? false,
          gateCapMs: options.gate?.capMs ?? DEFAULTS.gateCapMs,
          recoverRetryMs: DEFAULTS.recoverRetryMs,
          passTimeoutMs: DEFAULTS.passTimeoutMs,
          now: () => clock.now(),
          companionBackend,
        },
        inspectors: options.inspect ? [options.inspect] : [],
        logger: log,
        clock,
      });
      tracker.follow(supervisor);
      supervisor.on('pass', ({ report }) => passes.next(report));
      logSupervisor(supervisor, tracker.transitions$, log);
      // A name a foreign container held is free: the app waiting for it goes on at once.
      followNameWaits(tracker.transitions$, names);
      root = supervisor;
      supervisor.start();
    },

    stop() {
      if (!root) return Promise.resolve();
      stopping ??= (async () => {
        const supervisor = root!;
        supervisor.send({ type: 'SHUTDOWN' });
        await waitFor(supervisor, (snapshot) => snapshot.status === 'done', { timeout: Infinity });
        names.close();
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

    ...awaitedCommands(commands, {
      status: () => queries.status(),
      transitions$: tracker.transitions$,
      blocker: (appId) => dependencyBlocker(catalog, desired, appId),
      clock,
    }),

    async adopt(appIds) {
      requireRoot();
      return adoptLeftAlone(appIds, { guard, journal, adopt: (appId, wish) => commands.adopt(appId, wish) });
    },

    reconcileNow() {
      const supervisor = requireRoot();
      // A pass whose list call is already out saw the engine before this request: wait for the next.
      const snapshot = supervisor.getSnapshot();
      const first = snapshot.context.passSeq + (snapshot.matches({ supervising: 'listing' }) ? 2 : 1);
      const report = firstValueFrom(passes.pipe(filter((pass) => pass.passId >= first)));
      supervisor.send({ type: 'TICK' });
      return report;
    },

    async reloadCatalog() {
      requireRoot();
      applyCatalog(await keeper.reload(bindingsOf(desired)));
      return catalog.errors;
    },

    async moveApp(appId, file) {
      checkAppId(appId);
      if (!desired.apps[appId]) throw new PodwardenError(`app "${appId}" is not installed`, 'not-found');
      requireRoot();
      const { catalog: next, name } = await keeper.readMove(bindingsOf(desired), appId, file);
      await commands.move(appId, name, () => applyCatalog(next));
    },

    imageOffers: () => registry.imageOffers(),
    ...queries,
  };
  return api;
}
