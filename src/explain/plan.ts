import { decide, type Action } from '../../machines/decide.js';
import { appIdOf } from '../../machines/orphan.js';
import type { Desired } from '../../machines/types.js';
import { LABELS } from '../domain/labels.js';
import type { ContainerObservation } from '../domain/container-observation.js';

/** What the next pass would do for one app, and why. */
export interface PlanEntry {
  appId: string;
  /** The app machine's state now (`manifest-error` for held apps, `orphan` for unclaimed containers). */
  state: string;
  desired: Desired;
  action: Action;
  /** The action in words, e.g. `recreate (remove, create, start)`. */
  change: string;
  why: string;
  container?: { id: string; status: string };
  /** A step is under way: the pass would only record what it sees. */
  busy?: string;
}

export interface PlannedApp {
  appId: string;
  state: string;
  desired: Desired;
  specHash: string;
  ignoreEngineHealth?: boolean;
}

const CHANGE: Record<Action, string> = {
  none: 'no change',
  wait: 'wait for the engine',
  start: 'start',
  create: 'create (pull the image if needed, create, start)',
  recreate: 'recreate (remove, create, start)',
  stop: 'stop',
  remove: 'remove',
};

const STEP_STATES = new Set(['pulling', 'creating', 'starting', 'stopping', 'removing', 'recreating']);

/**
 * Pure: the decision table run for every app against one engine listing, without acting
 * (`podwarden plan`). Held apps (broken manifest) and unclaimed containers are listed too.
 */
export function planPass(
  apps: readonly PlannedApp[],
  held: Readonly<Record<string, string>>,
  containers: readonly ContainerObservation[],
): PlanEntry[] {
  const seen = new Map<string, ContainerObservation>();
  for (const container of containers) {
    const appId = appIdOf(container.labels);
    if (appId && container.labels[LABELS.role] !== 'companion') seen.set(appId, container);
  }
  const entries: PlanEntry[] = [];
  const known = new Set<string>();
  for (const app of apps) {
    known.add(app.appId);
    const container = seen.get(app.appId) ?? null;
    const decision = decide(app.desired, container, app);
    entries.push({
      appId: app.appId,
      state: app.state,
      desired: app.desired,
      action: decision.action,
      change: CHANGE[decision.action],
      why: decision.why,
      ...(container ? { container: { id: container.id, status: container.status } } : {}),
      ...(STEP_STATES.has(app.state)
        ? { busy: `a step is under way (${app.state}); the pass only records what it sees` }
        : {}),
    });
  }
  for (const [appId, problem] of Object.entries(held)) {
    known.add(appId);
    const container = seen.get(appId);
    entries.push({
      appId,
      state: 'manifest-error',
      desired: 'running',
      action: 'none',
      change: 'no change (left alone)',
      why: `its manifest cannot be used: ${problem}`,
      ...(container ? { container: { id: container.id, status: container.status } } : {}),
    });
  }
  for (const [appId, container] of seen) {
    if (known.has(appId)) continue;
    entries.push({
      appId,
      state: 'orphan',
      desired: 'absent',
      action: 'remove',
      change: CHANGE.remove,
      why: 'podwarden owns the container but no installed app claims it',
      container: { id: container.id, status: container.status },
    });
  }
  return entries.sort((a, b) => a.appId.localeCompare(b.appId));
}
