import type { AnyStateMachine, AnyStateNode } from 'xstate';
import { actionLabels, guardLabel } from './labels.js';
import type { MachineSource, TransitionSlot } from './machine-source.js';

export type TriggerKind = 'event' | 'always' | 'after' | 'done' | 'error' | 'stateDone';

/** One transition as a chart shows it. */
export interface ChartTransition {
  sourceId: string;
  /** Empty: a targetless transition, which runs its actions and stays where it is. */
  targetIds: string[];
  trigger: { kind: TriggerKind; name: string };
  guard: string | undefined;
  actions: string[];
  /** `EVENT [guard] / action, action` */
  label: string;
}

export type StateKind = 'atomic' | 'compound' | 'parallel' | 'final' | 'history';

export interface ChartState {
  /** xstate's id, e.g. `app.running.settling`. */
  id: string;
  key: string;
  /** State keys from the root; empty for the root. */
  path: string[];
  parentId: string | undefined;
  kind: StateKind;
  initialIds: string[];
  children: ChartState[];
  /** Names of the invoked actors (their `src`). */
  invokes: string[];
  entry: string[];
  exit: string[];
  /** Transitions that move somewhere. */
  transitions: ChartTransition[];
  /** Targetless transitions: handled in place. */
  internal: ChartTransition[];
  doc: { text: string; derived: boolean };
}

export interface Chart {
  /** The machine's id: names its files (`<id>.mmd`, `<id>.svg`). */
  id: string;
  exportName: string;
  sourceFile: string;
  doc: string | undefined;
  root: ChartState;
}

function words(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[-_.]+/g, ' ')
    .trim()
    .toLowerCase();
}

/** For states without a doc comment: their name in words, plus what they run. */
function derivedDoc(node: AnyStateNode, invokes: string[]): string {
  const name = words(node.key);
  const sentence = name.charAt(0).toUpperCase() + name.slice(1);
  const extras: string[] = [];
  if (node.type === 'final') extras.push('final state');
  if (invokes.length > 0) extras.push(`runs ${invokes.join(', ')}`);
  return extras.length > 0 ? `${sentence} (${extras.join('; ')}).` : `${sentence}.`;
}

function invokeName(invoke: { id: string; src: unknown }): string {
  if (typeof invoke.src === 'string') return invoke.src;
  const logicId = (invoke.src as { id?: unknown } | undefined)?.id;
  return typeof logicId === 'string' ? logicId : invoke.id;
}

function composeLabel(trigger: string, guard: string | undefined, actions: string[]): string {
  let label = trigger;
  if (guard) label += ` [${guard}]`;
  if (actions.length > 0) label += ` / ${actions.join(', ')}`;
  return label;
}

interface TriggerInfo {
  kind: TriggerKind;
  name: string;
  text: string;
  slot: TransitionSlot;
}

function classify(node: AnyStateNode, eventType: string): TriggerInfo {
  for (const delayed of node.after) {
    if (delayed.eventType === eventType) {
      const delay = String(delayed.delay);
      const name = typeof delayed.delay === 'number' ? `${delayed.delay}ms` : delay;
      return { kind: 'after', name, text: `after ${name}`, slot: { kind: 'after', delay } };
    }
  }
  for (const [invokeIndex, invoke] of node.invoke.entries()) {
    const src = invokeName(invoke);
    if (eventType === `xstate.done.actor.${invoke.id}`) {
      return { kind: 'done', name: src, text: `done: ${src}`, slot: { kind: 'onDone', invokeIndex } };
    }
    if (eventType === `xstate.error.actor.${invoke.id}`) {
      return { kind: 'error', name: src, text: `error: ${src}`, slot: { kind: 'onError', invokeIndex } };
    }
  }
  if (eventType === `xstate.done.state.${node.id}`) {
    return { kind: 'stateDone', name: node.key, text: `done: ${node.key}`, slot: { kind: 'stateDone' } };
  }
  return { kind: 'event', name: eventType, text: eventType, slot: { kind: 'on', event: eventType } };
}

type TransitionDef = AnyStateNode['always'] extends (infer T)[] | undefined ? T : never;

function toTransition(
  node: AnyStateNode,
  definition: TransitionDef,
  trigger: TriggerInfo,
  index: number,
  source: MachineSource | undefined,
): ChartTransition {
  const guard = guardLabel(definition.guard, () => source?.inlineGuard(node.path, trigger.slot, index));
  const actions = actionLabels(definition.actions);
  return {
    sourceId: node.id,
    targetIds: (definition.target ?? []).map((target: AnyStateNode) => target.id),
    trigger: { kind: trigger.kind, name: trigger.name },
    guard,
    actions,
    label: composeLabel(trigger.text, guard, actions),
  };
}

function walk(node: AnyStateNode, source: MachineSource | undefined): ChartState {
  const invokes = node.invoke.map(invokeName);
  const transitions: ChartTransition[] = [];
  for (const [eventType, definitions] of node.transitions) {
    const trigger = classify(node, eventType);
    definitions.forEach((definition, index) =>
      transitions.push(toTransition(node, definition, trigger, index, source)),
    );
  }
  const always: TriggerInfo = { kind: 'always', name: 'always', text: 'always', slot: { kind: 'always' } };
  (node.always ?? []).forEach((definition, index) =>
    transitions.push(toTransition(node, definition, always, index, source)),
  );

  const written = node.description ?? source?.stateDoc(node.path);
  return {
    id: node.id,
    key: node.key,
    path: [...node.path],
    parentId: node.parent?.id,
    kind: node.type,
    initialIds: node.type === 'compound' ? node.initial.target.map((target: AnyStateNode) => target.id) : [],
    children: Object.values(node.states).map((child) => walk(child as AnyStateNode, source)),
    invokes,
    entry: actionLabels(node.entry),
    exit: actionLabels(node.exit),
    transitions: transitions.filter((transition) => transition.targetIds.length > 0),
    internal: transitions.filter((transition) => transition.targetIds.length === 0),
    doc: written ? { text: written, derived: false } : { text: derivedDoc(node, invokes), derived: true },
  };
}

/** Everything a chart shows, read from the machine object (and its source, for comments and inline guards). */
export function chartOf(
  machine: AnyStateMachine,
  origin: { exportName: string; sourceFile: string; source?: MachineSource },
): Chart {
  return {
    id: machine.id,
    exportName: origin.exportName,
    sourceFile: origin.sourceFile,
    doc: origin.source?.machineDoc,
    root: walk(machine.root, origin.source),
  };
}

/** Every state of the chart, parents before children, in definition order. */
export function allStates(chart: Chart): ChartState[] {
  const out: ChartState[] = [];
  const visit = (state: ChartState): void => {
    out.push(state);
    state.children.forEach(visit);
  };
  visit(chart.root);
  return out;
}
