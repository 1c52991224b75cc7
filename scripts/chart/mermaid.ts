import type { Chart, ChartState } from './chart.js';
import { bodyLines, planLayout, type LayoutPlan } from './layout-plan.js';

/**
 * Mermaid ends a statement at `;`, and its renderer drops anything that looks like an HTML
 * tag; entity codes (`#59;`) are not decoded in state diagrams, so both are avoided instead.
 */
export function mermaidText(text: string): string {
  return text.replace(/;/g, ',').replace(/<(?=[A-Za-z/!?])/g, '< ');
}

function quoted(text: string): string {
  return `"${mermaidText(text).replace(/"/g, "'")}"`;
}

function stateBlock(plan: LayoutPlan, state: ChartState, indent: string, out: string[]): void {
  const id = plan.ids.get(state.id)!;
  const label = quoted(state.key);
  if (state.children.length === 0) {
    out.push(`${indent}state ${label} as ${id}`);
    for (const line of bodyLines(state)) out.push(`${indent}${id} : ${mermaidText(line)}`);
    return;
  }
  // A compound state's own invokes and in-place transitions go in a note: Mermaid draws no
  // description lines on composite states.
  out.push(`${indent}state ${label} as ${id}`);
  out.push(`${indent}state ${id} {`);
  containerBody(plan, state, `${indent}  `, out);
  out.push(`${indent}}`);
  const lines = bodyLines(state);
  if (lines.length > 0) {
    out.push(`${indent}note right of ${id}`);
    for (const line of lines) out.push(`${indent}  ${mermaidText(line)}`);
    out.push(`${indent}end note`);
  }
}

function containerBody(plan: LayoutPlan, container: ChartState, indent: string, out: string[]): void {
  if (container.kind === 'parallel') {
    container.children.forEach((child, index) => {
      if (index > 0) out.push(`${indent}--`);
      stateBlock(plan, child, indent, out);
    });
  } else {
    for (const initialId of container.initialIds) out.push(`${indent}[*] --> ${plan.ids.get(initialId)}`);
    for (const child of container.children) stateBlock(plan, child, indent, out);
  }
  for (const child of container.children) {
    if (child.kind === 'final') out.push(`${indent}${plan.ids.get(child.id)} --> [*]`);
  }
  for (const { transition, targetId } of plan.edgesIn.get(container.id) ?? []) {
    const from = transition.sourceId === plan.chart.root.id ? plan.anyStateId : plan.ids.get(transition.sourceId)!;
    out.push(`${indent}${from} --> ${plan.ids.get(targetId)} : ${mermaidText(transition.label)}`);
  }
}

/** The chart as a Mermaid `stateDiagram-v2`. */
export function toMermaid(chart: Chart): string {
  const plan = planLayout(chart);
  const out: string[] = ['stateDiagram-v2', '  direction TB'];
  const root = chart.root;
  const rootLines = bodyLines(root);
  if (root.transitions.length > 0 || rootLines.length > 0) {
    out.push(`  state "any state" as ${plan.anyStateId}`);
    for (const line of rootLines) out.push(`  ${plan.anyStateId} : ${mermaidText(line)}`);
    out.push(`  classDef anyState stroke-dasharray: 4 4`);
    out.push(`  class ${plan.anyStateId} anyState`);
  }
  containerBody(plan, root, '  ', out);
  return `${out.join('\n')}\n`;
}
