import { join, resolve } from 'node:path';
import { filter, firstValueFrom, Subject } from 'rxjs';
import { createActor, fromEventObservable, fromPromise, waitFor, type Actor } from 'xstate';
import { appMachine } from '../machines/app.machine.js';
import { supervisorMachine, type DeclaredApp, type Snapshot } from '../machines/supervisor.machine.js';
import { companionUnitMachine } from '../machines/companion-unit.machine.js';
import { parsePodmanVersion, usesQuadlet } from './companions/systemd/render-unit.js';
import { createSystemdUnits, systemdAvailable, unitDirectory, unitScope } from './companions/systemd/systemd-units.js';
import { createUnitEffects } from './companions/systemd/unit-effects.js';
import { DEFAULT_BACKOFF, type BackoffPolicy, type PassReport } from '../machines/types.js';
import { createAppEffects } from './effects/app-effects.js';
import { createDockerodeEngine } from './engine/dockerode/dockerode-engine.js';
import { NAMING_DEFAULTS, ownerSelector } from './engine/labels.js';
import { createLogger } from './log.js';
import {
  bindingsOf,
  catalogApps,
  catalogProblem,
  createCatalogKeeper,
  rightsOf,
  withRecordedFiles,
} from './catalog-keeper.js';
import { emptyCatalog, type Catalog } from './manifest/catalog.js';
import { createSpecBuilder } from './manifest/machine-spec.js';
import { createDesiredStore, emptyDesiredState, type DesiredState } from './state/desired-store.js';
import { engineEvents$ } from './streams/engine-events.js';
import { tick$ } from './streams/tick.js';
import { explainApp } from './explain/explain.js';
import { planPass } from './explain/plan.js';
import { instrumentEngine, type EngineTelemetry } from './engine/instrumented-engine.js';
import { boundEngineWork } from './engine/engine-work.js';
import { createJournal, type Journal } from './journal/journal.js';
import { recoverOpenIntents, rendersCutShort } from './journal/recovery.js';
import type { JournaledFile, JournalRecord } from './journal/records.js';
import { createTransitionTracker, topLevelState } from './streams/transitions.js';
import { createStatusRows, withLeftAlone } from './status-rows.js';
import { followNameWaits, watchFreedNames } from './streams/freed-names.js';
import type { AppProgress, Orchestrator, OrchestratorOptions } from './orchestrator-types.js';
import { checkAppId, PodwardenError } from './podwarden-error.js';
import { healthOf } from './orchestrator-health.js';
import { createOwnerCommands } from './owner-commands.js';
import { createOrphanGuard, type OrphanGuard } from './orphan-guard.js';
import { adoptAtBoot } from './boot-adoption.js';
import { lastOwnerWords, adoptionsFrom } from './state/owner-words.js';
import { removeStaleTempFiles } from './state/stale-temp-files.js';

export type {
  AppProgress,
  AppStatus,
  CatalogApp,
  Health,
  Orchestrator,
  OrchestratorOptions,
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
  const telemetry = new Subject<EngineTelemetry | { kind: 'journal-write-failed' }>();
  const progress = new Subject<AppProgress>();
  let engineProblem: string | undefined;
  let engineAnswered = false;
  const work = boundEngineWork(
    options.engine ?? createDockerodeEngine({ socketPath: options.socketPath ?? DEFAULTS.socketPath }),
    options.engineWork ?? {},
  );
  const engine = instrumentEngine(work, (event) => {
    if (event.kind === 'call') {
      if (event.outcome === 'unreachable') engineProblem = event.error ?? 'the engine does not answer';
      else if (event.outcome === 'ok' && (event.call === 'list' || event.call === 'ping')) {
        engineProblem = undefined;
        engineAnswered = true;
      }
    }
    telemetry.next(event);
  });
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
  let desired: DesiredState = emptyDesiredState();
  let root: Supervisor | undefined;
  let stopping: Promise<void> | undefined;
  let guard: OrphanGuard | undefined;
  // desired.json was missing at start: boot recovery rebuilds it from the evidence.
  let adoptionPending = false;

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
    onFreed: (key, name) => {
      log.info({ app: key, name }, `container name ${name} is free again: ${key} goes on now`);
      root?.getSnapshot().context.refs[key]?.send({ type: 'NAME.FREED', name });
    },
  });

  const commands = createOwnerCommands({
    store,
    journal,
    logger: log,
    desired: () => desired,
    believe: (next) => {
      desired = next;
    },
    supervisor: requireRoot,
    declared,
    catalogFile: (appId) => catalog.apps.get(appId)?.file,
    catalogRefuses: (appId) => catalog.problems.has(appId),
    manifestProblem,
    uninstalled: (appId) => guard?.uninstalledNow(appId),
  });

  /** Running a check twice is only waste; never running it is a blind spot: podwarden when in doubt. */
  async function chooseImageHealthchecks(): Promise<'podwarden' | 'engine'> {
    const asked = options.imageHealthchecks ?? 'auto';
    if (asked !== 'auto') return asked;
    try {
      return (await engine.ping()).runsHealthchecks ? 'engine' : 'podwarden';
    } catch (error) {
      log.warn(
        { err: error instanceof Error ? error.message : String(error) },
        'cannot ask the engine whether it runs health checks; podwarden runs them',
      );
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
    if (info.flavor !== 'podman')
      throw new PodwardenError(
        `the systemd companion backend needs podman; the engine is ${info.flavor} ${info.version}`,
      );
    const podman = parsePodmanVersion(info.version);
    const quadlet = usesQuadlet(podman);
    const scope = unitScope();
    const units =
      options.systemdUnits ?? createSystemdUnits({ directory: unitDirectory(scope, quadlet), quadlet, scope });
    return createUnitEffects(units, { podman, logger: log });
  }

  function observeEngine(): Promise<Snapshot> {
    const observedAt = Date.now();
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
        words: lastOwnerWords(records),
        believe: (next) => {
          desired = next;
        },
        supervisor: requireRoot,
        declared,
        catalogFile: (appId) => catalog.apps.get(appId)?.file,
      });
      adoptionPending = false;
    }
    return guarded(snapshot);
  }

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
      imageHealthchecks = await chooseImageHealthchecks();
      log.info(
        { imageHealthchecks },
        imageHealthchecks === 'engine'
          ? "the engine runs images' HEALTHCHECKs; podwarden acts on its verdict"
          : "podwarden runs images' HEALTHCHECKs as liveness probes",
      );
      let cutShort = new Map<string, JournaledFile[]>();
      let records: JournalRecord[] = [];
      if (journal) {
        // Before the supervisor (and so before its recovery gate): steps a crash cut short are
        // closed first, so the passes after the gate start from a journal that is whole.
        records = await journal.open();
        cutShort = rendersCutShort(records);
        await recoverOpenIntents({ journal, records, engine, instance, logger: log });
      }
      const words = lastOwnerWords(records);
      guard = createOrphanGuard({
        pruneOrphans: options.pruneOrphans ?? false,
        uninstalled: [...words].filter(([, word]) => word.desired === 'absent').map(([appId]) => appId),
        isInstalled: (appId) => desired.apps[appId] !== undefined,
      });

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
      log.info(
        { companionBackend },
        `companions run as ${companionBackend === 'systemd' ? 'systemd units' : 'containers supervised by podwarden'}`,
      );

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
          recover: fromPromise(() => recoverEngine(records)),
          observe: fromPromise(async () => guarded(await observeEngine())),
          ticks: fromEventObservable(() => tick$(options.intervalMs ?? DEFAULTS.intervalMs)),
          engineEvents: fromEventObservable(() =>
            engineEvents$(engine, owner, {
              onDisconnect: (error, attempt) =>
                log.warn(
                  { attempt, err: error instanceof Error ? error.message : String(error) },
                  'engine event stream lost; reconnecting',
                ),
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
        log.error({ err: error }, `boot recovery failed, retrying: ${error}`),
      );
      supervisor.on('engineReconnected', () => log.info('engine event stream back; resyncing'));
      supervisor.subscribe({ error: (error) => log.fatal({ err: error }, 'supervisor crashed') });
      tracker.transitions$.subscribe((transition) =>
        log.info(
          { app: transition.appId, from: transition.from, to: transition.to, reason: transition.reason },
          `${transition.appId}: ${transition.from ?? '∅'} → ${transition.to}`,
        ),
      );
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

    install: (appId) => commands.install(appId),
    uninstall: (appId) => commands.uninstall(appId),
    startApp: (appId) => commands.startApp(appId),
    stopApp: (appId) => commands.stopApp(appId),
    restartApp: (appId) => commands.restartApp(appId),
    restartStopsFirst: (appId) => commands.restartStopsFirst(appId),

    async adopt(appIds) {
      requireRoot();
      const alone = [...(guard?.leftAlone().values() ?? [])].filter((entry) => entry.companion === undefined);
      const wanted = appIds ?? alone.map((entry) => entry.appId);
      const records = journal ? await journal.read() : [];
      const containers = new Map(alone.map((entry) => [entry.appId, entry.container]));
      const { adopt } = adoptionsFrom(containers, lastOwnerWords(records));
      const chosen = wanted.map((appId) => {
        const found = adopt.find((entry) => entry.appId === appId);
        if (!found)
          throw new PodwardenError(`no container of app "${appId}" is left alone: nothing to adopt`, 'not-found');
        return found;
      });
      for (const { appId, desired: wish } of chosen) await commands.adopt(appId, wish);
      return chosen.map(({ appId }) => appId);
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

    async explain(appId) {
      checkAppId(appId);
      const row = api.status().find((entry) => entry.appId === appId);
      if (!row && !catalog.apps.has(appId))
        throw new PodwardenError(`no app "${appId}" is installed or in the catalog`, 'not-found');
      const records = journal ? await journal.read() : [];
      return explainApp(row, appId, records, journal?.damage());
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

    health: () => healthOf(root, { problem: engineProblem, answered: engineAnswered }, imageHealthchecks),

    journalDamage: () => journal?.damage() ?? { unreadable: [], lostWrites: 0 },
    engineWorkLoad: () => work.load(),

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

    status() {
      if (!root) return [];
      const rows = statusRows
        .rows(root.getSnapshot().context, (appId) => desired.apps[appId]?.desired)
        .map((row) => {
          const rights = rightsOf(
            catalog,
            row.appId,
            row.companion === undefined ? row.appId : `${row.appId}/${row.companion}`,
          );
          return rights.length > 0 ? { ...row, rights } : row;
        });
      return withLeftAlone(rows, guard?.leftAlone() ?? new Map());
    },

    catalogErrors: () => catalog.errors,
  };
  return api;
}
