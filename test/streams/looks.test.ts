import { describe, expect, it } from 'vitest';
import { createActor, createMachine, sendTo, type AnyActorRef } from 'xstate';
import type { SupervisorEvent } from '../../machines/supervisor-context.js';
import type { ContainerEvent, ContainerObservation } from '../../src/domain/container-observation.js';
import { looksActor } from '../../src/streams/looks.js';
import { until } from '../support/until.js';

function event(action: ContainerEvent['action'], time: number): ContainerEvent {
  return { kind: 'container', action, containerId: 'c1', labels: {}, time };
}

const running: ContainerObservation = {
  id: 'c1',
  name: 'podwarden-web',
  image: 'httpd',
  status: 'running',
  health: 'none',
  labels: {},
};

/** The looks actor under a parent that records what it sends back; inspect answers when the test says. */
function rig(inspect: (id: string) => Promise<ContainerObservation | null>) {
  const looked: SupervisorEvent[] = [];
  const errors: string[] = [];
  let now = 1_000;
  const parent = createMachine({
    invoke: {
      id: 'looks',
      src: looksActor({ inspect }, { now: () => now, onError: (error) => errors.push(String(error)) }),
    },
    on: {
      'ENGINE.LOOKED': { actions: ({ event }) => looked.push(event as SupervisorEvent) },
      LOOK: { actions: sendTo('looks', ({ event }) => event) },
    },
  });
  const actor = createActor(parent).start();
  const look = (events: ContainerEvent[], key = 'web', after?: number) =>
    (actor as AnyActorRef).send({ type: 'LOOK', key, containerId: 'c1', events, ...(after ? { after } : {}) });
  return { actor, looked, errors, look, setNow: (t: number) => (now = t) };
}

describe('the looks actor', () => {
  it('inspects the container an event names and sends back what it saw, dated when it asked', async () => {
    const t = rig(async () => running);
    t.look([event('die', 900)]);
    await until('a look', () => t.looked.length === 1);
    expect(t.looked[0]).toEqual({
      type: 'ENGINE.LOOKED',
      key: 'web',
      look: { type: 'LOOKED', containerId: 'c1', observedAt: 1_000, container: running, events: [event('die', 900)] },
    });
    t.actor.stop();
  });

  it('folds the requests that arrive during a look into one more look, with their events', async () => {
    const answers: Array<() => void> = [];
    let calls = 0;
    const t = rig(
      (id) =>
        new Promise((resolve) => {
          calls += 1;
          answers.push(() => resolve(id === 'c1' ? running : null));
        }),
    );
    t.look([event('kill', 900)]);
    t.setNow(1_100);
    t.look([event('die', 950)]);
    t.look([event('die', 950)]); // podman re-sent it
    t.look([]);
    expect(calls).toBe(1);
    answers.shift()!();
    await until('the second look', () => calls === 2);
    answers.shift()!();
    await until('two looks answered', () => t.looked.length === 2);
    const second = t.looked[1] as Extract<SupervisorEvent, { type: 'ENGINE.LOOKED' }>;
    expect(second.look.observedAt).toBe(1_100);
    expect(second.look.events.map((e) => e.action)).toEqual(['die', 'die']);
    expect(calls).toBe(2);
    t.actor.stop();
  });

  it('reports a look the engine did not answer, and keeps looking at the next request', async () => {
    let fail = true;
    const t = rig(async () => {
      if (fail) throw new Error('connect ENOENT /run/podman/podman.sock');
      return null;
    });
    t.look([event('die', 900)]);
    await until('the error', () => t.errors.length === 1);
    expect(t.errors[0]).toContain('ENOENT');
    fail = false;
    t.look([event('remove', 1_000)]);
    await until('a look', () => t.looked.length === 1);
    expect((t.looked[0] as Extract<SupervisorEvent, { type: 'ENGINE.LOOKED' }>).look.container).toBeNull();
    t.actor.stop();
  });

  it('sends nothing back once stopped', async () => {
    let answer: (() => void) | undefined;
    const t = rig(() => new Promise((resolve) => (answer = () => resolve(running))));
    t.look([event('die', 900)]);
    t.actor.stop();
    answer!();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(t.looked).toEqual([]);
  });

  it('dates a look no earlier than what the asking machine knows (a wall clock stepped back)', async () => {
    const t = rig(async () => running);
    t.look([], 'web', 5_000);
    await until('a look', () => t.looked.length === 1);
    expect((t.looked[0] as Extract<SupervisorEvent, { type: 'ENGINE.LOOKED' }>).look.observedAt).toBe(5_000);
    t.actor.stop();
  });
});
