import { allStates, type Chart, type ChartState, type ChartTransition } from './chart.js';

/**
 * What both renderers (Mermaid and Graphviz) need beyond the chart itself: unique identifiers
 * safe in either syntax, which container each edge is drawn in, and the lines shown inside a
 * state's box.
 */
export interface LayoutPlan {
  chart: Chart;
  states: Map<string, ChartState>;
  /** A diagram identifier per state id: letters, digits and underscores only, unique. */
  ids: Map<string, string>;
  /** Identifier of the pseudo-state that stands for "any state" (the root's own transitions). */
  anyStateId: string;
  /** Edges grouped by the compound state they are drawn in (the root's id for top level). */
  edgesIn: Map<string, { transition: ChartTransition; targetId: string }[]>;
}

function safeId(raw: string): string {
  const cleaned = raw.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[A-Za-z_]/.test(cleaned) ? cleaned : `s_${cleaned}`;
}

/** Proper ancestors of `state`, nearest first. */
function ancestors(state: ChartState, states: Map<string, ChartState>): ChartState[] {
  const chain: ChartState[] = [];
  let parent = state.parentId === undefined ? undefined : states.get(state.parentId);
  while (parent) {
    chain.push(parent);
    parent = parent.parentId === undefined ? undefined : states.get(parent.parentId);
  }
  return chain;
}

export function isAncestorOf(ancestor: ChartState, state: ChartState): boolean {
  return state.path.length > ancestor.path.length && ancestor.path.every((key, index) => state.path[index] === key);
}

export function planLayout(chart: Chart): LayoutPlan {
  const all = allStates(chart);
  const states = new Map(all.map((state) => [state.id, state]));
  const ids = new Map<string, string>();
  const taken = new Set<string>();
  const claim = (raw: string): string => {
    const base = safeId(raw);
    let candidate = base;
    for (let suffix = 2; taken.has(candidate); suffix += 1) candidate = `${base}_${suffix}`;
    taken.add(candidate);
    return candidate;
  };
  for (const state of all) ids.set(state.id, claim(state.id));
  const anyStateId = claim(`${chart.root.id}__any_state`);

  const edgesIn = new Map<string, { transition: ChartTransition; targetId: string }[]>();
  for (const state of all) {
    for (const transition of state.transitions) {
      for (const targetId of transition.targetIds) {
        const target = states.get(targetId);
        // Drawn in the deepest state that contains both ends; the root's own transitions start
        // at the "any state" pseudo-state, at top level.
        const container =
          (target && ancestors(state, states).find((candidate) => isAncestorOf(candidate, target))) || chart.root;
        const list = edgesIn.get(container.id) ?? [];
        list.push({ transition, targetId });
        edgesIn.set(container.id, list);
      }
    }
  }
  return { chart, states, ids, anyStateId, edgesIn };
}

/** The lines inside a state's box: what it runs and what it handles without leaving. */
export function bodyLines(state: ChartState): string[] {
  const lines: string[] = [];
  for (const name of state.invokes) lines.push(`invoke: ${name}`);
  if (state.entry.length > 0) lines.push(`entry / ${state.entry.join(', ')}`);
  if (state.exit.length > 0) lines.push(`exit / ${state.exit.join(', ')}`);
  for (const transition of state.internal) lines.push(transition.label);
  return lines;
}
