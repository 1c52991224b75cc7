import { fromTransition, type AnyActorLogic } from 'xstate';
import { getShortestPaths, getSimplePaths } from 'xstate/graph';

/** A finite model of a machine's surroundings: what can happen, and what follows. */
export interface WorldModel<W, E> {
  initial: W;
  events(world: W): E[];
  next(world: W, event: E): W;
  /** Equal keys must offer the same events and lead to equal keys: the graph's vertices. */
  serialize(world: W): string;
}

/** The model as actor logic, so xstate/graph can traverse it. */
function modelLogic<W, E extends { type: string }>(model: WorldModel<W, E>) {
  return fromTransition<W, E, never, never, never>((world, event) => model.next(world, event), model.initial);
}

interface TraversalSnapshot<W> {
  context: W;
}

function traversalOptions<W, E extends { type: string }>(
  model: WorldModel<W, E>,
  filter?: (world: W, event: E) => boolean,
) {
  return {
    events: (snapshot: TraversalSnapshot<W>) => model.events(snapshot.context),
    serializeState: (snapshot: TraversalSnapshot<W>) => model.serialize(snapshot.context),
    ...(filter ? { filterEvents: (snapshot: TraversalSnapshot<W>, event: E) => filter(snapshot.context, event) } : {}),
  };
}

/** xstate/graph paths start with a synthetic `xstate.init` step; the events after it are the path. */
function eventsOf<E>(steps: ReadonlyArray<{ event: unknown }>): E[] {
  return steps.slice(1).map((step) => step.event as E);
}

/** One shortest path to every vertex of the model's graph. */
export function shortestPaths<W, E extends { type: string }>(model: WorldModel<W, E>): E[][] {
  const logic = modelLogic(model) as unknown as AnyActorLogic;
  return getShortestPaths(logic, traversalOptions(model) as never)
    .map((path) => eventsOf<E>(path.steps))
    .filter((events) => events.length > 0);
}

/**
 * Every simple path (no vertex twice) of a sub-model the filter keeps, up to `maxLength`
 * events. The count grows exponentially with the sub-model, so the filter must keep it small.
 */
export function simplePaths<W, E extends { type: string }>(
  model: WorldModel<W, E>,
  filter: (world: W, event: E) => boolean,
  maxLength: number,
): E[][] {
  const logic = modelLogic(model) as unknown as AnyActorLogic;
  return getSimplePaths(logic, traversalOptions(model, filter) as never)
    .map((path) => eventsOf<E>(path.steps))
    .filter((events) => events.length > 0 && events.length <= maxLength);
}

/** Drops paths that are a prefix of another path: replaying the longer one checks both. */
export function withoutPrefixes<E>(paths: E[][], key: (event: E) => string): E[][] {
  const sorted = [...paths].sort((a, b) => b.length - a.length);
  const kept: E[][] = [];
  const seen = new Set<string>();
  for (const path of sorted) {
    const keys = path.map(key);
    const whole = keys.join('\n');
    if (seen.has(whole)) continue;
    kept.push(path);
    for (let i = 1; i <= keys.length; i++) seen.add(keys.slice(0, i).join('\n'));
  }
  return kept;
}

/** The model's graph with vertices numbered, so walks over it stay cheap. */
export interface ModelGraph<E> {
  vertices: string[];
  /** out[v] = the edges leaving vertex v, as [event, target vertex]. */
  out: Array<Array<{ event: E; target: number }>>;
  edges: number;
  /** Edges that leave the vertex unchanged (ignored events, stale observations…). */
  selfLoops: number;
  /** The vertex of the model's initial state. */
  start: number;
}

/**
 * The model's whole graph, explored breadth-first from its initial state. xstate/graph's
 * getAdjacencyMap gives the same graph, but its array queue makes it quadratic at this size
 * (seconds instead of a fraction of one); getShortestPaths and getSimplePaths still build it.
 */
export function modelGraph<W, E extends { type: string }>(model: WorldModel<W, E>): ModelGraph<E> {
  const vertices: string[] = [];
  const worlds: W[] = [];
  const index = new Map<string, number>();
  const visit = (world: W): number => {
    const key = model.serialize(world);
    let at = index.get(key);
    if (at === undefined) {
      at = vertices.length;
      index.set(key, at);
      vertices.push(key);
      worlds.push(world);
    }
    return at;
  };
  const start = visit(model.initial);
  const out: ModelGraph<E>['out'] = [];
  let edges = 0;
  let selfLoops = 0;
  for (let from = 0; from < worlds.length; from++) {
    const world = worlds[from]!;
    out[from] = model.events(world).map((event) => {
      const target = visit(model.next(world, event));
      edges += 1;
      if (target === from) selfLoops += 1;
      return { event, target };
    });
  }
  return { vertices, out, edges, selfLoops, start };
}

/**
 * Paths that together take every edge of the model's graph at least once: a greedy walk that
 * takes an untaken edge where it stands (self-loops first, they cost one step), otherwise
 * walks the shortest route to the nearest vertex that still has one. A path ends where
 * nothing is left to reach (a final state) or at `maxLength` events.
 */
export function edgeCoveringPaths<E>(graph: ModelGraph<E>, maxLength: number): E[][] {
  const count = graph.vertices.length;
  // Per vertex, the edges not taken yet: self-loops first, since taking them does not move the walk.
  const untaken = graph.out.map((edges, v) => [
    ...edges.filter((e) => e.target === v),
    ...edges.filter((e) => e.target !== v),
  ]);
  let remaining = graph.edges;
  const take = (v: number, i: number) => {
    const edge = untaken[v]![i]!;
    untaken[v]!.splice(i, 1);
    remaining -= 1;
    return edge;
  };
  const stamp = new Int32Array(count);
  const previousVertex = new Int32Array(count);
  const previousEdge = new Int32Array(count);
  let search = 0;
  /** Shortest route (edge indexes into `out`) from `from` to the nearest vertex with untaken edges. */
  const routeToWork = (from: number): number[] | undefined => {
    search += 1;
    const queue = [from];
    stamp[from] = search;
    for (let head = 0; head < queue.length; head++) {
      const v = queue[head]!;
      if (v !== from && untaken[v]!.length > 0) {
        const route: number[] = [];
        for (let at = v; at !== from; at = previousVertex[at]!) route.unshift(previousEdge[at]!);
        return route;
      }
      graph.out[v]!.forEach((edge, i) => {
        if (stamp[edge.target] === search) return;
        stamp[edge.target] = search;
        previousVertex[edge.target] = v;
        previousEdge[edge.target] = i;
        queue.push(edge.target);
      });
    }
    return undefined;
  };

  const paths: E[][] = [];
  while (remaining > 0) {
    const path: E[] = [];
    let at = graph.start;
    while (path.length < maxLength) {
      const here = untaken[at]!;
      if (here.length > 0) {
        // A loop, else an edge into a vertex with work left, else any.
        let choice = 0;
        if (here[0]!.target !== at) {
          const useful = here.findIndex((edge) => untaken[edge.target]!.length > 0);
          if (useful >= 0) choice = useful;
        }
        const edge = take(at, choice);
        path.push(edge.event);
        at = edge.target;
        continue;
      }
      const route = routeToWork(at);
      if (!route) break;
      for (const i of route) {
        if (path.length >= maxLength) break;
        const edge = graph.out[at]![i]!;
        const pending = untaken[at]!.indexOf(edge);
        if (pending >= 0) take(at, pending);
        path.push(edge.event);
        at = edge.target;
      }
    }
    if (path.length === 0) throw new Error(`model graph: ${remaining} edges cannot be reached from the initial state`);
    paths.push(path);
  }
  return paths;
}
