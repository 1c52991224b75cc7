import type { AnyStateMachine } from 'xstate';

/**
 * Who runs whom: for each machine, the machines among its actors (the ones it spawns or
 * invokes), found in the machine definitions themselves, so the picture of the hierarchy
 * (supervisor → app machines → companions) cannot fall behind the code.
 */
export interface ActorEdge {
  parent: string;
  child: string;
  /** The actor's name in the parent's `actors`. */
  actor: string;
}

function isMachineLogic(value: unknown): value is AnyStateMachine {
  return typeof value === 'object' && value !== null && (value as { __xstatenode?: unknown }).__xstatenode === true;
}

export function actorEdges(machines: readonly AnyStateMachine[]): ActorEdge[] {
  const edges: ActorEdge[] = [];
  for (const machine of machines) {
    const actors = (machine.implementations.actors ?? {}) as Record<string, unknown>;
    for (const name of Object.keys(actors).sort()) {
      const logic = actors[name];
      if (isMachineLogic(logic)) edges.push({ parent: machine.id, child: logic.id, actor: name });
    }
  }
  return edges;
}

export function treeMermaid(edges: readonly ActorEdge[]): string {
  const lines = ['flowchart TD'];
  for (const edge of edges) lines.push(`  ${edge.parent} -->|"${edge.actor}"| ${edge.child}`);
  return `${lines.join('\n')}\n`;
}

export function treeDot(edges: readonly ActorEdge[]): string {
  const nodes = [...new Set(edges.flatMap((edge) => [edge.parent, edge.child]))].sort();
  return [
    'digraph actors {',
    '  rankdir=TB;',
    '  node [shape=box, style="rounded,filled", fillcolor="#f4f4f8", fontname="Helvetica"];',
    '  edge [fontname="Helvetica", fontsize=11];',
    ...nodes.map((node) => `  "${node}";`),
    ...edges.map((edge) => `  "${edge.parent}" -> "${edge.child}" [label=" spawns ${edge.actor}"];`),
    '}',
    '',
  ].join('\n');
}
