import type { Desired } from './types.js';

/**
 * The one binding rule behind dependencies and companions: X is not created or (re)started
 * until Y is ready. "lnd waits for bitcoind" and "a companion waits for its app" are both
 * this rule; only who declares Y differs (the manifest's `dependsOn`, or the companion's
 * owner). Pure functions; the supervisor applies them and the app machine obeys them.
 */

/** How a dependency stands, as far as its dependents care. */
export type DependencyStanding = 'ready' | 'not-ready' | 'not-installed';

/**
 * What a child waits for, one phrase per dependency that is not ready ("bitcoind (not ready)"),
 * in the order they were declared; empty when nothing holds it.
 */
export function waitingFor(dependsOn: readonly string[], standing: (appId: string) => DependencyStanding): string[] {
  const waitingFor: string[] = [];
  for (const dependency of dependsOn) {
    const state = standing(dependency);
    if (state === 'not-ready') waitingFor.push(`${dependency} (not ready)`);
    else if (state === 'not-installed') waitingFor.push(`${dependency} (not installed)`);
  }
  return waitingFor;
}

/**
 * What a companion is asked for, given its app: it exists only while its app is installed
 * and runs only while its app is meant to run (readiness is the waiting rule's business),
 * unless the owner stopped the companion itself: then it stays stopped whatever its app does.
 */
export function companionDesired(appDesired: Desired | undefined, stoppedByOwner = false): Desired {
  if (appDesired === undefined || appDesired === 'absent') return 'absent';
  return stoppedByOwner ? 'stopped' : appDesired;
}

/** The supervisor's key (and the machine's appId) of a companion: `<appId>/<companionId>`. */
export function companionKey(appId: string, companionId: string): string {
  return `${appId}/${companionId}`;
}

/** The app a child key belongs to: itself for an app, the owner for a companion. */
export function ownerOfKey(key: string): string {
  const slash = key.indexOf('/');
  return slash < 0 ? key : key.slice(0, slash);
}

export function isCompanionKey(key: string): boolean {
  return key.includes('/');
}

/**
 * Readiness of an app from its machine's snapshot: the app's own `ready` flag when its
 * machine has one (readiness probes), else simply being in `running`. The one place that
 * says what "ready" means for dependents and companions.
 */
export function isAppReady(snapshot: { context: object; value: unknown }): boolean {
  const ready = (snapshot.context as { ready?: unknown }).ready;
  if (typeof ready === 'boolean') return ready;
  const { value } = snapshot;
  return value === 'running' || (typeof value === 'object' && value !== null && 'running' in value);
}

/**
 * Every dependency cycle of a graph (app → the apps it depends on), each as the ids along it
 * with the first repeated at the end (`a → b → a`), found once. Unknown ids are no cycle:
 * an app may depend on one that is not in the catalog yet.
 */
export function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const cycles: string[][] = [];
  const done = new Set<string>();
  const onPath: string[] = [];
  const visit = (id: string): void => {
    const at = onPath.indexOf(id);
    if (at >= 0) {
      cycles.push([...onPath.slice(at), id]);
      return;
    }
    if (done.has(id) || !graph.has(id)) return;
    onPath.push(id);
    for (const next of graph.get(id) ?? []) visit(next);
    onPath.pop();
    done.add(id);
  };
  for (const id of [...graph.keys()].sort()) visit(id);
  return cycles;
}

/**
 * The ids of an acyclic graph, every app after the apps it depends on (ties by id, so the
 * order is the same on every run). Unknown dependencies are ignored.
 */
export function startOrder(graph: ReadonlyMap<string, readonly string[]>): string[] {
  const order: string[] = [];
  const placed = new Set<string>();
  const place = (id: string, trail: ReadonlySet<string>): void => {
    if (placed.has(id) || trail.has(id) || !graph.has(id)) return;
    const next = new Set(trail).add(id);
    for (const dependency of [...(graph.get(id) ?? [])].sort()) place(dependency, next);
    placed.add(id);
    order.push(id);
  };
  for (const id of [...graph.keys()].sort()) place(id, new Set());
  return order;
}
