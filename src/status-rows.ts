import type { Observable } from 'rxjs';
import { backoffDelay } from '../machines/backoff.js';
import { companionKey, isCompanionKey, ownerOfKey } from '../machines/binding.js';
import { failureFields, type FailureReason } from '../machines/failure.js';
import type { SupervisorContext } from '../machines/supervisor-context.js';
import type { BackoffPolicy, Desired } from '../machines/types.js';
import { topLevelState, type Transition } from './streams/transitions.js';
import type { LeftAlone } from './orphan-guard.js';
import type { AppContext } from '../machines/app-knowledge.js';
import { newDigestOf, versionOf, type UpdateRecord } from '../machines/update.js';
import { byAppThenCompanion } from './domain/row-order.js';

export interface AppStatus {
  appId: string;
  /** Set on a companion's row: `appId` is its app. */
  companion?: string;
  /** Machine state (`running`, `backoff`, `stopped`, …) or `manifest-error` when it cannot be managed. */
  state: string;
  desired: Desired;
  reason: string;
  failures: number;
  /** The last failure as a person reads it (see `describeFailure`). */
  failure?: string;
  /** The same failure as data: `kind` and its fields (exit code, probe output, …). */
  failureReason?: FailureReason;
  /**
   * Running and passing its startup and readiness probes (running, when it declares none);
   * absent where the machine has no such notion (a systemd companion unit).
   */
  ready?: boolean;
  containerId?: string;
  containerStatus?: string;
  health?: string;
  /**
   * Failures podwarden answered with a retry since this daemon started: the container crashed,
   * exited, lost its process or turned unhealthy, or a step failed (each entry into `backoff`).
   * Absent on rows without a machine history (read it as 0).
   */
  restarts?: number;
  /** ms since epoch of the app's last state change. */
  since?: number;
  /** In `backoff`: when the machine tries again (ms since epoch; its backoff delay after `since`). */
  retryAt?: number;
  /** Host rights the owner's policy gives this container, each with its rule; absent for the (usual) app that has none. */
  rights?: string[];
  /** The manifest version the app runs (or is being made from). */
  version?: string;
  /** An update under way: the versions, and how far it got (machines/update.ts). */
  update?: { phase: string; from: string; to: string; toDigest?: string };
  /** How the last update ended; `rolled-back`/`abandoned` name a version offered but not run. */
  lastUpdate?: {
    result: string;
    from: string;
    to: string;
    /** Same tag, new image: the registry digest the update brought (`sha256:…`). */
    toDigest?: string;
    endedAt?: number;
    reason?: string;
    /** The data snapshot taken before the update, and whether the rollback put it back. */
    snapshot?: string;
    restored?: boolean;
  };
}

/** A row's (or transition's) key, as the supervisor keys its children: `bitcoind`, `bitcoind/ui`. */
export function rowKey(row: { appId: string; companion?: string }): string {
  return row.companion === undefined ? row.appId : companionKey(row.appId, row.companion);
}

/** The one place that reads `ready` from a machine's context: a companion unit has none. */
function readyOf(context: object): boolean | undefined {
  const ready = (context as { ready?: unknown }).ready;
  return typeof ready === 'boolean' ? ready : undefined;
}

/** When a machine in backoff tries again: its delay (the one its `backoff` state waits) after it entered. */
function retryAtOf(context: object, state: string, since: number | undefined): number | undefined {
  const { backoff, failures, seed } = context as Partial<{ backoff: BackoffPolicy; failures: number; seed: number }>;
  if (state !== 'backoff' || since === undefined || !backoff || failures === undefined) return undefined;
  return since + backoffDelay(failures, backoff, seed ?? 0);
}

function digestOf(record: UpdateRecord): { toDigest?: string } {
  const digest = newDigestOf(record.to)?.to;
  return digest !== undefined ? { toDigest: digest } : {};
}

/** What a machine's context says of versions and updates (a companion unit's has none). */
function updateFields(context: object): Pick<AppStatus, 'version' | 'update' | 'lastUpdate'> {
  const { spec, update, lastUpdate } = context as Partial<Pick<AppContext, 'spec' | 'update' | 'lastUpdate'>>;
  return {
    ...(spec?.version !== undefined ? { version: spec.version } : {}),
    ...(update
      ? { update: { phase: update.phase, from: versionOf(update.from), to: versionOf(update.to), ...digestOf(update) } }
      : {}),
    ...(lastUpdate?.result
      ? {
          lastUpdate: {
            result: lastUpdate.result,
            from: versionOf(lastUpdate.from),
            to: versionOf(lastUpdate.to),
            ...digestOf(lastUpdate),
            ...(lastUpdate.endedAt !== undefined ? { endedAt: lastUpdate.endedAt } : {}),
            ...(lastUpdate.reason !== undefined ? { reason: lastUpdate.reason } : {}),
            ...(lastUpdate.snapshot ? { snapshot: lastUpdate.snapshot.path } : {}),
            ...(lastUpdate.restored ? { restored: true } : {}),
          },
        }
      : {}),
  };
}

/**
 * `status()`'s rows: one per machine (app or companion) and one per installed app whose manifest
 * cannot be managed. What a machine's snapshot does not hold (restarts since this daemon
 * started, the time of the last change) is counted here from `transitions$`.
 */
export function createStatusRows(transitions$: Observable<Transition>) {
  // Keyed like the supervisor's children: an app, or `<appId>/<companionId>`.
  const restarts = new Map<string, number>();
  const lastChange = new Map<string, number>();
  transitions$.subscribe((transition) => {
    const key =
      transition.companion === undefined ? transition.appId : companionKey(transition.appId, transition.companion);
    lastChange.set(key, transition.at);
    if (transition.to === 'backoff') restarts.set(key, (restarts.get(key) ?? 0) + 1);
  });

  function machineRow(key: string, ref: SupervisorContext['refs'][string]): AppStatus {
    const snapshot = ref.getSnapshot();
    const app = snapshot.context;
    const ready = readyOf(app);
    const state = topLevelState(snapshot.value);
    const retryAt = retryAtOf(app, state, lastChange.get(key));
    return {
      appId: ownerOfKey(key),
      ...(isCompanionKey(key) ? { companion: key.slice(ownerOfKey(key).length + 1) } : {}),
      state,
      desired: app.desired,
      reason: app.reason,
      failures: app.failures,
      restarts: restarts.get(key) ?? 0,
      ...(lastChange.has(key) ? { since: lastChange.get(key)! } : {}),
      ...(retryAt === undefined ? {} : { retryAt }),
      ...(ready === undefined ? {} : { ready }),
      ...failureFields(app.failure),
      ...updateFields(app),
      ...('container' in app && app.container
        ? { containerId: app.container.id, containerStatus: app.container.status, health: app.container.health }
        : {}),
    };
  }

  return {
    /** Sorted by app, each app's companions after it. `desiredOf` answers for refused apps, which have no machine. */
    rows(
      context: Pick<SupervisorContext, 'refs' | 'refused'>,
      desiredOf: (appId: string) => Desired | undefined,
    ): AppStatus[] {
      const rows = Object.entries(context.refs).map(([key, ref]) => machineRow(key, ref));
      for (const [appId, problem] of Object.entries(context.refused)) {
        rows.push({
          appId,
          state: 'manifest-error',
          desired: desiredOf(appId) ?? 'running',
          reason: problem,
          failures: 0,
          ready: false,
        });
      }
      return rows.sort(byAppThenCompanion);
    },
  };
}

/**
 * `rows` with one more per container podwarden leaves alone (orphan-guard.ts), in state
 * `unclaimed`, saying why and what the owner can do about it.
 */
export function withLeftAlone(rows: AppStatus[], leftAlone: ReadonlyMap<string, LeftAlone>): AppStatus[] {
  const extra: AppStatus[] = [...leftAlone.values()].map(({ appId, companion, container }) => ({
    appId,
    ...(companion === undefined ? {} : { companion }),
    state: 'unclaimed',
    desired: 'absent',
    reason:
      `container ${container.name} (${container.status}) belongs to this instance, but no installed app claims it and no uninstall is on record: ` +
      `left alone. \`podwarden adopt ${appId}\` keeps it as installed; \`podwarden run --prune-orphans\` removes it`,
    failures: 0,
    containerId: container.id,
    containerStatus: container.status,
  }));
  if (extra.length === 0) return rows;
  return [...rows, ...extra].sort(byAppThenCompanion);
}
