import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { AnyStateMachine, AnyStateNode } from 'xstate';
import { appMachine } from '../../machines/app.machine.js';
import { supervisorMachine } from '../../machines/supervisor.machine.js';
import { allStates, chartOf } from '../../scripts/chart/chart.js';
import { toDot } from '../../scripts/chart/dot.js';
import { readMachineSource } from '../../scripts/chart/machine-source.js';
import { toMermaid } from '../../scripts/chart/mermaid.js';
import { doorMachine } from './fixtures/door.machine.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

function chartFor(machine: AnyStateMachine, file: string, exportName: string) {
  return chartOf(machine, { exportName, sourceFile: file, source: readMachineSource(join(root, file), exportName) });
}

function states(node: AnyStateNode): AnyStateNode[] {
  return [node, ...Object.values(node.states).flatMap((child) => states(child as AnyStateNode))];
}

function escaped(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** What the chart must show for each way a state node handles an event, read from xstate's own objects. */
function expectedTriggers(node: AnyStateNode): string[] {
  const triggers: string[] = [];
  for (const eventType of node.transitions.keys()) {
    const delayed = node.after.find((transition) => transition.eventType === eventType);
    const invoke = node.invoke.find(
      (definition) =>
        eventType === `xstate.done.actor.${definition.id}` || eventType === `xstate.error.actor.${definition.id}`,
    );
    if (delayed) triggers.push(`after ${delayed.delay}`);
    else if (invoke)
      triggers.push(`${eventType.startsWith('xstate.done') ? 'done' : 'error'}: ${invoke.src as string}`);
    else triggers.push(eventType);
  }
  if ((node.always ?? []).length > 0) triggers.push('always');
  return triggers;
}

describe.each([
  ['app', appMachine as AnyStateMachine, 'machines/app.machine.ts', 'appMachine'],
  ['supervisor', supervisorMachine as AnyStateMachine, 'machines/supervisor.machine.ts', 'supervisorMachine'],
])('the Mermaid chart of the %s machine', (_name, machine, file, exportName) => {
  const mermaid = toMermaid(chartFor(machine, file, exportName));
  const nodes = states(machine.root).filter((node) => node !== machine.root);

  it('declares every state under its key, with an id made from its xstate id', () => {
    expect(nodes.length).toBeGreaterThan(5);
    for (const node of nodes) {
      const id = node.id.replace(/[^A-Za-z0-9_]/g, '_');
      expect(mermaid).toMatch(new RegExp(`^\\s*state "${escaped(node.key)}" as ${escaped(id)}$`, 'm'));
    }
  });

  it('labels every event, delay, invoke outcome and eventless transition the machine has', () => {
    const triggers = states(machine.root).flatMap(expectedTriggers);
    expect(triggers.length).toBeGreaterThan(10);
    for (const trigger of new Set(triggers)) {
      // On an edge (`a --> b : TRIGGER ...`) or inside a state (`a : TRIGGER ...`, `  TRIGGER ...` in a note).
      expect(mermaid, trigger).toMatch(new RegExp(`(: |^\\s+)${escaped(trigger)}( |$)`, 'm'));
    }
  });

  it('names what each state invokes', () => {
    for (const node of nodes) {
      for (const invoke of node.invoke) expect(mermaid).toContain(`invoke: ${invoke.src as string}`);
    }
  });

  it('marks the initial state and every final state', () => {
    const initial = machine.root.initial.target[0]!;
    expect(mermaid).toMatch(new RegExp(`^  \\[\\*\\] --> ${escaped(initial.id.replace(/\W/g, '_'))}$`, 'm'));
    for (const node of nodes.filter((candidate) => candidate.type === 'final')) {
      expect(mermaid).toContain(`${node.id.replace(/\W/g, '_')} --> [*]`);
    }
  });
});

describe('charts of a fixture machine that uses every construct', () => {
  const chart = chartFor(doorMachine, 'test/visualize/fixtures/door.machine.ts', 'doorMachine');
  const mermaid = toMermaid(chart);

  it('shows named guards by name and inline guards by their source expression', () => {
    expect(mermaid).toContain('door_closed --> door_opening : OPEN [unlocked]');
    expect(mermaid).toContain('door_closed --> door_broken : OPEN [context.attempts > 3] / count');
    expect(mermaid).toContain('door_open --> door_closed : after autoClose [calm && !unlocked]');
  });

  it('labels delays, invoke outcomes, in-place transitions and root transitions', () => {
    expect(mermaid).toContain('door_open_wide --> door_open_ajar : after 1000ms');
    expect(mermaid).toContain('door_opening --> door_open : done: swing');
    expect(mermaid).toContain('door_opening --> door_closed : error: swing / count');
    expect(mermaid).toContain('door_opening : KNOCK / ignore');
    expect(mermaid).toContain('door_closed : OPEN / count');
    expect(mermaid).toContain('door__any_state --> door_broken : BREAK');
  });

  it('nests compound and parallel states', () => {
    expect(mermaid).toMatch(/state door_open \{\n {4}\[\*\] --> door_open_wide\n/);
    expect(mermaid).toMatch(
      /state door_hardware \{[\s\S]*door_hardware_lock[\s\S]*\n {4}--\n[\s\S]*door_hardware_hinge/,
    );
  });

  it('takes state meanings from doc comments, and derives the missing ones from the name', () => {
    const byPath = new Map(
      [chart.root, ...chart.root.children, ...chart.root.children.flatMap((child) => child.children)].map((state) => [
        state.path.join('.'),
        state.doc,
      ]),
    );
    expect(byPath.get('closed')).toEqual({ text: 'Shut; may be locked.', derived: false });
    expect(byPath.get('open.wide')).toEqual({ text: 'Fully open.', derived: false });
    expect(byPath.get('opening')).toEqual({ text: 'Opening (runs swing).', derived: true });
    expect(byPath.get('broken')).toEqual({ text: 'Broken (final state).', derived: true });
    expect(chart.doc).toMatch(/^A door with a lock/);
  });

  it('reads a state config imported from another file (createStateConfig) like an inline one', () => {
    const hinge = allStates(chart).filter((state) => state.path.join('.').startsWith('hardware.hinge.'));
    expect(hinge.map((state) => [state.path.join('.'), state.doc])).toEqual([
      ['hardware.hinge.oiled', { text: 'Turns without a sound.', derived: false }],
      ['hardware.hinge.squeaky', { text: 'Squeaky.', derived: true }],
    ]);
    expect(mermaid).toContain(
      'door_hardware_hinge_oiled --> door_hardware_hinge_squeaky : KNOCK [context.attempts > 9]',
    );
  });

  it('draws compound states as clusters in the Graphviz source', () => {
    const dot = toDot(chart);
    expect(dot).toContain('subgraph "cluster_door_open" {');
    expect(dot).toContain('subgraph "cluster_door_hardware" {');
    expect(dot).toMatch(/^ {2}"door_open__anchor" -> "door_closed" \[.*ltail="cluster_door_open"\]$/m);
    expect(dot).toMatch(/"door_broken" \[label=<[^\n]*peripheries=2\]/);
  });
});
