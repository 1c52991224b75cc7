import type { Chart, ChartState, ChartTransition, TriggerKind } from './chart.js';
import { bodyLines, isAncestorOf, planLayout, type LayoutPlan } from './layout-plan.js';

/** Colours by trigger: the chart's legend (visualizations/README.md) names them. */
const EDGE_STYLE: Record<TriggerKind | 'mixed', { color: string; style: string }> = {
  event: { color: '#2d3748', style: 'solid' },
  always: { color: '#718096', style: 'dashed' },
  after: { color: '#2b6cb0', style: 'solid' },
  done: { color: '#2f855a', style: 'solid' },
  error: { color: '#c53030', style: 'solid' },
  stateDone: { color: '#2f855a', style: 'solid' },
  mixed: { color: '#553c9a', style: 'solid' },
};

const LABEL_WIDTH = 34;
/**
 * Named on every HTML-label font element: without a FACE, Graphviz sizes boxes with Times
 * metrics while viewers draw the inherited Helvetica, and text overflows its box.
 */
const FONT = 'Helvetica';

function quote(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function html(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Word-wraps at spaces so long guards do not stretch the layout sideways. */
export function wrap(text: string, width = LABEL_WIDTH): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines;
}

/** A DOT string whose lines are centred (`\n`). */
function multiline(lines: string[]): string {
  return quote(lines.join('\n')).replace(/\n/g, '\\n');
}

function stateLabel(state: ChartState, bold: string): string {
  const rows = [`<TR><TD ALIGN="CENTER"><FONT FACE="${FONT}"><B>${html(bold)}</B></FONT></TD></TR>`];
  const lines = bodyLines(state);
  if (lines.length > 0) {
    rows.push('<HR/>');
    for (const line of lines) {
      for (const [index, part] of wrap(line, 48).entries()) {
        const text = index === 0 ? html(part) : `&#160;&#160;${html(part)}`;
        rows.push(`<TR><TD ALIGN="LEFT"><FONT FACE="${FONT}" POINT-SIZE="9" COLOR="#4a5568">${text}</FONT></TD></TR>`);
      }
    }
  }
  return `<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2">${rows.join('')}</TABLE>>`;
}

function anchorOf(plan: LayoutPlan, state: ChartState): string {
  return `${plan.ids.get(state.id)}__anchor`;
}

function clusterOf(plan: LayoutPlan, state: ChartState): string {
  return `cluster_${plan.ids.get(state.id)}`;
}

function stateStatements(plan: LayoutPlan, state: ChartState, indent: string, out: string[]): void {
  const id = plan.ids.get(state.id)!;
  if (state.children.length === 0) {
    const attributes = [`label=${stateLabel(state, state.key)}`];
    if (state.kind === 'final') attributes.push('peripheries=2');
    out.push(`${indent}${quote(id)} [${attributes.join(', ')}]`);
    return;
  }
  out.push(`${indent}subgraph ${quote(clusterOf(plan, state))} {`);
  const inner = `${indent}  `;
  out.push(`${inner}label=${stateLabel(state, state.kind === 'parallel' ? `${state.key} (parallel)` : state.key)}`);
  out.push(`${inner}style="rounded,filled"; fillcolor="#eef2f7"; color="#4a5568"; labeljust=l`);
  const anchor = anchorOf(plan, state);
  // A parallel state has no initial pseudo-state to show: its anchor is invisible.
  out.push(
    state.kind === 'parallel'
      ? `${inner}${quote(anchor)} [shape=point, style=invis, width=0.01]`
      : `${inner}${quote(anchor)} [shape=point, width=0.1, fillcolor="#1a202c", color="#1a202c"]`,
  );
  for (const child of state.children) stateStatements(plan, child, inner, out);
  for (const initialId of state.initialIds) {
    out.push(`${inner}${quote(anchor)} -> ${quote(endpoint(plan, plan.states.get(initialId)!))}`);
  }
  out.push(`${indent}}`);
}

/** Edges attach to a compound state through its anchor, clipped at the cluster's border. */
function endpoint(plan: LayoutPlan, state: ChartState): string {
  return state.children.length > 0 ? anchorOf(plan, state) : plan.ids.get(state.id)!;
}

interface MergedEdge {
  source: ChartState;
  target: ChartState;
  transitions: ChartTransition[];
}

/** Transitions between the same two states share one edge, one label line each. */
function mergedEdges(plan: LayoutPlan): MergedEdge[] {
  const merged = new Map<string, MergedEdge>();
  for (const list of plan.edgesIn.values()) {
    for (const { transition, targetId } of list) {
      const key = `${transition.sourceId}\u0000${targetId}`;
      const existing = merged.get(key);
      if (existing) existing.transitions.push(transition);
      else {
        merged.set(key, {
          source: plan.states.get(transition.sourceId)!,
          target: plan.states.get(targetId)!,
          transitions: [transition],
        });
      }
    }
  }
  return [...merged.values()];
}

function edgeStatement(plan: LayoutPlan, edge: MergedEdge): string {
  const root = plan.chart.root;
  const tail = edge.source === root ? plan.anyStateId : endpoint(plan, edge.source);
  const head = endpoint(plan, edge.target);
  const kinds = new Set(edge.transitions.map((transition) => transition.trigger.kind));
  const style = EDGE_STYLE[kinds.size === 1 ? [...kinds][0]! : 'mixed'];
  const lines = edge.transitions.flatMap((transition) => wrap(transition.label));
  const attributes = [
    `label=${multiline(lines)}`,
    `color=${quote(style.color)}`,
    `fontcolor=${quote(style.color)}`,
    `style=${style.style}`,
  ];
  if (edge.source !== root && edge.source.children.length > 0 && !isAncestorOf(edge.source, edge.target)) {
    attributes.push(`ltail=${quote(clusterOf(plan, edge.source))}`);
  }
  if (edge.target.children.length > 0 && edge.target !== edge.source && !isAncestorOf(edge.target, edge.source)) {
    attributes.push(`lhead=${quote(clusterOf(plan, edge.target))}`);
  }
  return `  ${quote(tail)} -> ${quote(head)} [${attributes.join(', ')}]`;
}

export interface DotOptions {
  rankdir?: 'LR' | 'TB';
}

/** The chart as a Graphviz digraph: compound states are clusters, the root's own transitions leave "any state". */
export function toDot(chart: Chart, options: DotOptions = {}): string {
  const plan = planLayout(chart);
  const root = chart.root;
  const out: string[] = [`digraph ${quote(chart.id)} {`];
  out.push(
    `  graph [rankdir=${options.rankdir ?? 'TB'}, compound=true, newrank=true, fontname=${quote(FONT)}, fontsize=11, nodesep=0.3, ranksep=0.45, pad=0.3, bgcolor="white"]`,
  );
  out.push(
    `  label=<<FONT FACE="${FONT}" POINT-SIZE="16"><B>${html(chart.id)}</B> state machine</FONT>>; labelloc=t; labeljust=l`,
  );
  out.push(
    `  node [shape=box, style="rounded,filled", fillcolor="#ffffff", color="#4a5568", fontname=${quote(FONT)}, fontsize=11, margin="0.1,0.04"]`,
  );
  out.push(`  edge [fontname=${quote(FONT)}, fontsize=9, arrowsize=0.7, penwidth=1.1]`);
  out.push(`  "__initial" [shape=point, width=0.14, fillcolor="#1a202c", color="#1a202c"]`);
  for (const initialId of root.initialIds) {
    out.push(`  "__initial" -> ${quote(endpoint(plan, plan.states.get(initialId)!))}`);
  }
  const rootLines = bodyLines(root);
  if (root.transitions.length > 0 || rootLines.length > 0) {
    out.push(`  ${quote(plan.anyStateId)} [label=${stateLabel(root, 'any state')}, style="rounded,dashed"]`);
  }
  for (const child of root.children) stateStatements(plan, child, '  ', out);
  for (const edge of mergedEdges(plan)) out.push(edgeStatement(plan, edge));
  out.push('}');
  return `${out.join('\n')}\n`;
}
