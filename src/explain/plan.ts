import { appIdOf } from '../../machines/orphan.js';
import { passStep, STEP_STATES, type StepFacts, type StepName } from '../../machines/step.js';
import { isCompanionKey } from '../../machines/binding.js';
import { declaredChildren, holdOf } from '../../machines/supervisor-binding.js';
import type { SupervisorContext } from '../../machines/supervisor-context.js';
import type { Desired } from '../../machines/types.js';
import { LABELS } from '../domain/labels.js';
import { byAppThenCompanion } from '../domain/row-order.js';
import type { ContainerObservation } from '../domain/container-observation.js';
import { topLevelState } from '../streams/transitions.js';
import { plannedUnits, unitPlan, type PlannedUnit } from './plan-units.js';

/** What the next pass would do for one app (or companion), and why. */
export interface PlanEntry {
  /** The app's id; for a companion, its app's id (see `companion`). */
  appId: string;
  /** Set on a companion's entry: its id. */
  companion?: string;
  /** The app machine's state now (`manifest-error` for refused apps, `orphan` for unclaimed containers). */
  state: string;
  desired: Desired;
  /** What the app machine does on the next pass (machines/step.ts `passStep`, as its pass report says). */
  action: StepName;
  /** The step in words, e.g. `recreate (remove, create, render, start)`. */
  change: string;
  why: string;
  /** For a wait on dependencies: those not ready. */
  waitingFor?: string[];
  container?: { id: string; status: string };
  /** A step is under way: the pass would only record what it sees. */
  busy?: string;
  /** Set on a companion the `systemd` backend runs: a unit, not a container podwarden runs. */
  supervisedBy?: 'systemd';
}

/**
 * An app (or a companion run by an app machine, keyed `<appId>/<companionId>`) as its machine
 * knows it: everything `nextStep` reads but the container, which `plan` takes from the
 * engine's listing; `waitingFor` is what the supervisor holds it by.
 */
export interface PlannedApp extends Omit<StepFacts, 'container'> {
  key: string;
  state: string;
}

/**
 * Every declared app and companion an app machine runs (a companion under systemd is a unit:
 * plan-units.ts), as its machine knows it now, held by what the supervisor holds it by.
 */
export function plannedApps(context: SupervisorContext): PlannedApp[] {
  const planned: PlannedApp[] = [];
  for (const child of declaredChildren(context.apps)) {
    if (isCompanionKey(child.key) && context.companionBackend === 'systemd') continue;
    const snapshot = context.refs[child.key]?.getSnapshot();
    const known = snapshot && 'condemned' in snapshot.context ? snapshot.context : undefined;
    planned.push({
      key: child.key,
      state: snapshot ? topLevelState(snapshot.value) : 'not spawned',
      desired: known?.desired ?? child.desired,
      spec: known?.spec ?? child.spec,
      condemned: known?.condemned ?? false,
      waitingFor: holdOf(context, child.key) ?? [],
    });
  }
  return planned;
}

const CHANGE: Record<StepName, string> = {
  none: 'no change',
  wait: 'wait',
  render: 'render the files again (written only where they changed; a change restarts the app)',
  start: 'start (render the files, start)',
  create: 'create (pull the image if needed, create, render the files, start)',
  recreate: 'recreate (remove, create, render the files, start)',
  restart: 'restart (stop, render the files, start)',
  stop: 'stop',
  remove: 'remove',
};

const WAIT_CHANGE = {
  observation: 'wait for an observation',
  engine: 'wait for the engine',
  dependencies: 'wait for its dependencies',
} as const;

/** The key of the machine a container belongs to: its app's id, or `<appId>/<companionId>`. */
function keyOf(container: ContainerObservation): string | undefined {
  const appId = appIdOf(container.labels);
  if (!appId || container.labels[LABELS.role] !== 'companion') return appId;
  const companion = container.labels[LABELS.companion];
  return companion ? `${appId}/${companion}` : undefined;
}

function idsOf(key: string): { appId: string; companion?: string } {
  const slash = key.indexOf('/');
  return slash < 0 ? { appId: key } : { appId: key.slice(0, slash), companion: key.slice(slash + 1) };
}

function seenAs(container: ContainerObservation | undefined) {
  return container ? { container: { id: container.id, status: container.status } } : {};
}

/**
 * Pure: the step every app machine would take next against one engine listing, without acting
 * (`podwarden plan`), by the function the machines take it by (machines/step.ts); companions
 * under systemd by what their unit machine does (plan-units.ts). Refused apps (broken manifest)
 * and unclaimed containers are listed too.
 */
export function planPass(
  apps: readonly PlannedApp[],
  refused: Readonly<Record<string, string>>,
  containers: readonly ContainerObservation[],
  units: readonly PlannedUnit[] = [],
): PlanEntry[] {
  const seen = new Map<string, ContainerObservation>();
  for (const container of containers) {
    const key = keyOf(container);
    if (key) seen.set(key, container);
  }
  const entries: PlanEntry[] = [];
  const known = new Set<string>();
  for (const app of apps) {
    known.add(app.key);
    const container = seen.get(app.key);
    const step = passStep({ ...app, container: container ?? null }, app.state);
    const underWay = STEP_STATES[app.state];
    entries.push({
      ...idsOf(app.key),
      state: app.state,
      desired: app.desired,
      action: step.step,
      change: step.waitsFor ? WAIT_CHANGE[step.waitsFor] : CHANGE[step.step],
      why: step.why,
      ...(step.waitingFor ? { waitingFor: [...step.waitingFor] } : {}),
      ...seenAs(container),
      ...(underWay
        ? { busy: `a step is under way (${app.state}: ${underWay}); the pass only records what it sees` }
        : {}),
    });
  }
  for (const unit of units) {
    // The container systemd runs for it is the unit's, not an orphan.
    known.add(unit.key);
    entries.push({
      ...idsOf(unit.key),
      state: unit.state,
      desired: unit.desired,
      ...unitPlan(unit),
      ...seenAs(seen.get(unit.key)),
      supervisedBy: 'systemd',
    });
  }
  for (const [appId, problem] of Object.entries(refused)) {
    known.add(appId);
    entries.push({
      appId,
      state: 'manifest-error',
      desired: 'running',
      action: 'none',
      change: 'no change (left alone)',
      why: `its manifest cannot be used: ${problem}`,
      ...seenAs(seen.get(appId)),
    });
  }
  for (const [key, container] of seen) {
    const { appId, companion } = idsOf(key);
    // A companion of a refused app is left alone with it.
    if (known.has(key) || (companion !== undefined && refused[appId] !== undefined)) continue;
    entries.push({
      appId,
      ...(companion === undefined ? {} : { companion }),
      state: 'orphan',
      desired: 'absent',
      action: 'remove',
      change: CHANGE.remove,
      why: 'podwarden owns the container but no installed app claims it',
      container: { id: container.id, status: container.status },
    });
  }
  return entries.sort(byAppThenCompanion);
}

/** The plan of the next pass for everything the supervisor runs, against one engine listing. */
export function planOf(context: SupervisorContext, containers: readonly ContainerObservation[]): PlanEntry[] {
  return planPass(plannedApps(context), context.refused, containers, plannedUnits(context));
}
