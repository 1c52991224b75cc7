import type { AnyStateMachine, AnyStateNode, AnyTransitionDefinition, InspectionEvent } from 'xstate';

/**
 * Which state nodes and which transition candidates of a machine a set of runs went
 * through. A transition is named by its source node, its event type and its index among the
 * candidates for that event (guards make them distinct), so `stopping xstate.error.actor…#1`
 * is the second onError branch of `stopping`.
 */
export interface CoverageReport {
  states: { reached: number; total: number; missing: string[] };
  transitions: { reached: number; total: number; missing: string[] };
}

function allNodes(root: AnyStateNode): AnyStateNode[] {
  const nodes: AnyStateNode[] = [];
  const walk = (node: AnyStateNode) => {
    for (const child of Object.values(node.states) as AnyStateNode[]) {
      nodes.push(child);
      walk(child);
    }
  };
  walk(root);
  return nodes;
}

function shortEventType(machineId: string, eventType: string): string {
  // Done/error/after events carry the invoke's generated id or the node path: keep the kind.
  if (eventType === '') return 'always';
  if (eventType.startsWith('xstate.done.actor.')) return 'onDone';
  if (eventType.startsWith('xstate.error.actor.')) return 'onError';
  if (eventType.startsWith('xstate.after.')) {
    const delay = eventType.slice('xstate.after.'.length).split('.')[0];
    return `after(${delay})`;
  }
  return eventType.replace(`${machineId}.`, '');
}

function transitionKey(machineId: string, transition: AnyTransitionDefinition): string {
  const source = transition.source as AnyStateNode;
  const list: readonly AnyTransitionDefinition[] =
    transition.eventType === '' ? (source.always ?? []) : (source.transitions.get(transition.eventType) ?? []);
  const index = list.indexOf(transition);
  return `${source.id} ${shortEventType(machineId, transition.eventType)} #${index}`;
}

/** Every state node (the root excepted) and every transition candidate the machine declares. */
export function declaredGraph(machine: AnyStateMachine): { states: string[]; transitions: string[] } {
  const root = machine.root as AnyStateNode;
  const nodes = [root, ...allNodes(root)];
  const transitions: string[] = [];
  for (const node of nodes) {
    for (const list of node.transitions.values()) {
      for (const transition of list) transitions.push(transitionKey(machine.id, transition));
    }
    for (const transition of node.always ?? []) transitions.push(transitionKey(machine.id, transition));
  }
  return { states: nodes.slice(1).map((node) => node.id), transitions };
}

/**
 * Collects coverage from inspection events. Transient states (entered and left in one
 * macrostep) only show in microsteps, so microsteps are what it reads: the nodes of each
 * microstep's snapshot, and the source of every transition taken.
 */
export class CoverageRecorder {
  readonly states = new Set<string>();
  readonly transitions = new Set<string>();

  /** `machine`'s id must be unique among the machines in the inspected system. */
  constructor(private readonly machine: AnyStateMachine) {}

  /** For `createActor(…, { inspect })`; ignores every other actor in the system. */
  readonly inspect = (event: InspectionEvent): void => {
    if (event.type !== '@xstate.microstep') return;
    const snapshot = event.snapshot as { machine?: AnyStateMachine; _nodes?: AnyStateNode[] };
    // `provide()` makes a new machine with the same node ids, so ids are what identify it.
    if (snapshot.machine?.id !== this.machine.id) return;
    for (const node of snapshot._nodes ?? []) if (node.parent) this.states.add(node.id);
    for (const transition of event._transitions) {
      this.transitions.add(transitionKey(this.machine.id, transition));
      const source = transition.source as AnyStateNode;
      if (source.parent) this.states.add(source.id);
    }
  };

  report(): CoverageReport {
    const declared = declaredGraph(this.machine);
    const missingStates = declared.states.filter((id) => !this.states.has(id));
    const missingTransitions = declared.transitions.filter((key) => !this.transitions.has(key));
    return {
      states: {
        reached: declared.states.length - missingStates.length,
        total: declared.states.length,
        missing: missingStates,
      },
      transitions: {
        reached: declared.transitions.length - missingTransitions.length,
        total: declared.transitions.length,
        missing: missingTransitions,
      },
    };
  }
}

export function formatCoverage(name: string, report: CoverageReport, run?: { paths: number; steps: number }): string {
  const counts = `states ${report.states.reached}/${report.states.total}, transitions ${report.transitions.reached}/${report.transitions.total}`;
  const lines = [`${name}: ${counts}${run ? `, over ${run.paths} paths and ${run.steps} events` : ''}`];
  if (report.states.missing.length) lines.push(`  states never reached: ${report.states.missing.join(', ')}`);
  if (report.transitions.missing.length)
    lines.push(`  transitions never taken:\n    ${report.transitions.missing.join('\n    ')}`);
  return lines.join('\n');
}
