import type { Actor } from 'xstate';
import type { supervisorMachine } from '../machines/supervisor.machine.js';
import { catalogApps, rightsOf } from './catalog-keeper.js';
import type { EngineWorkLoad } from './engine/engine-work.js';
import type { EnginePort } from './engine/port.js';
import { explainApp } from './explain/explain.js';
import { planOf } from './explain/plan.js';
import type { Journal } from './journal/journal.js';
import type { Catalog } from './manifest/catalog.js';
import { healthOf } from './orchestrator-health.js';
import type { Orchestrator } from './orchestrator-types.js';
import type { OrphanGuard } from './orphan-guard.js';
import { checkAppOrCompanionId, PodwardenError } from './podwarden-error.js';
import { isCompanionKey, ownerOfKey } from '../machines/binding.js';
import type { DesiredState } from './state/desired-store.js';
import { rowKey, withLeftAlone, type createStatusRows } from './status-rows.js';

type Supervisor = Actor<typeof supervisorMachine>;

/** What the queries read; the orchestrator owns it (and replaces some of it as it runs: hence the getters). */
export interface OrchestratorQueryDeps {
  /** The supervisor; undefined until start. */
  root(): Supervisor | undefined;
  /** The supervisor, or a PodwardenError when podwarden is not started. */
  requireRoot(): Supervisor;
  /** The catalog in force. */
  catalog(): Catalog;
  /** What the owner asked for, as believed. */
  desired(): DesiredState;
  /** The orphan guard (the containers left alone); undefined until start. */
  guard(): OrphanGuard | undefined;
  statusRows: ReturnType<typeof createStatusRows>;
  journal: Journal | undefined;
  engine: EnginePort;
  /** The label selector of this instance's containers. */
  owner: Record<string, string>;
  /** Container names are `<namePrefix><appId>`. */
  namePrefix: string;
  /** What the engine calls said last: the problem of the last unreachable call, and whether one ever answered. */
  engineReach(): { problem: string | undefined; answered: boolean };
  /** Who runs images' HEALTHCHECKs; undefined until start. */
  imageHealthchecks(): 'podwarden' | 'engine' | undefined;
  engineWorkLoad(): EngineWorkLoad;
}

export type OrchestratorQueries = Pick<
  Orchestrator,
  'status' | 'explain' | 'plan' | 'logs' | 'catalog' | 'health' | 'journalDamage' | 'engineWorkLoad' | 'catalogErrors'
>;

/**
 * The orchestrator's answers about what it manages: status rows, explanations, the dry run of
 * a pass, logs, the catalog, health. None of them changes what podwarden believes or does.
 */
export function createOrchestratorQueries(deps: OrchestratorQueryDeps): OrchestratorQueries {
  const { journal, engine } = deps;

  function status(): ReturnType<Orchestrator['status']> {
    const root = deps.root();
    if (!root) return [];
    const catalog = deps.catalog();
    const rows = deps.statusRows
      .rows(root.getSnapshot().context, (appId) => deps.desired().apps[appId]?.desired)
      .map((row) => {
        const rights = rightsOf(
          catalog,
          row.appId,
          row.companion === undefined ? row.appId : `${row.appId}/${row.companion}`,
        );
        return rights.length > 0 ? { ...row, rights } : row;
      });
    return withLeftAlone(rows, deps.guard()?.leftAlone() ?? new Map());
  }

  return {
    status,

    async explain(appId) {
      checkAppOrCompanionId(appId);
      const row = status().find((entry) => rowKey(entry) === appId);
      if (!row && (isCompanionKey(appId) || !deps.catalog().apps.has(appId)))
        throw new PodwardenError(
          isCompanionKey(appId)
            ? `no companion "${appId}" runs: its app is not installed, or has no such companion`
            : `no app "${appId}" is installed or in the catalog`,
          'not-found',
        );
      const records = journal ? await journal.read() : [];
      const owner = ownerOfKey(appId);
      const companionOf = isCompanionKey(appId)
        ? { appId: owner, appStopped: deps.desired().apps[owner]?.desired === 'stopped' }
        : undefined;
      return explainApp(row && companionOf ? { ...row, companionOf } : row, appId, records, journal?.damage());
    },

    async plan() {
      const supervisor = deps.requireRoot();
      const containers = await engine.list(deps.owner);
      const context = supervisor.getSnapshot().context;
      return planOf(context, containers);
    },

    logs(appId, logOptions = {}) {
      checkAppOrCompanionId(appId);
      const row = status().find((entry) => rowKey(entry) === appId);
      if (!row)
        throw new PodwardenError(
          `${isCompanionKey(appId) ? 'companion' : 'app'} "${appId}" is not installed`,
          'not-found',
        );
      return engine.logs(row.containerId ?? `${deps.namePrefix}${appId.replace('/', '-')}`, logOptions);
    },

    catalog: () => catalogApps(deps.catalog(), deps.desired()),

    health: () => healthOf(deps.root(), deps.engineReach(), deps.imageHealthchecks()),

    journalDamage: () => journal?.damage() ?? { unreadable: [], lostWrites: 0 },
    engineWorkLoad: () => deps.engineWorkLoad(),

    catalogErrors: () => deps.catalog().errors,
  };
}
