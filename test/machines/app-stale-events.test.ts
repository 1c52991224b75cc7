import { setImmediate as nextMacrotask } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createActor, fromCallback, fromPromise, setup, SimulatedClock, type ActorRefFrom } from 'xstate';
import { appMachine, type AppInput } from '../../machines/app.machine.js';
import type { ContainerEvent, ContainerObservation } from '../../src/engine/port.js';
import { APP_ID, APP_LABEL, MODEL_BACKOFF, SPEC_HASH_LABEL } from '../model/app-world.js';
import { specFor } from '../model/app-rig.js';

/**
 * Engine events against what the app machine already knows, with real engine times (the model
 * in test/model lets no time pass during a step, so it cannot date an event between a start's
 * beginning and its answer).
 */

const CONTAINER_ID = 'ctr-1';
const { budget: _budget, ...BACKOFF } = MODEL_BACKOFF;

function exitedContainer(startedAt: number): ContainerObservation {
  return {
    id: CONTAINER_ID,
    name: `podwarden-${APP_ID}`,
    image: 'registry.local/demo:1',
    status: 'exited',
    health: 'none',
    exitCode: 1,
    startedAt,
    labels: { [APP_LABEL]: APP_ID, [SPEC_HASH_LABEL]: 'h1' },
  };
}

function event(action: ContainerEvent['action'], time: number): ContainerEvent {
  return {
    kind: 'container',
    action,
    containerId: CONTAINER_ID,
    labels: { [APP_LABEL]: APP_ID },
    time,
    ...(action === 'die' ? { exitCode: 1 } : {}),
  };
}

/** The app machine under a parent that swallows its reports, with steps the test answers by hand. */
function harness(startAt: number) {
  const clock = new SimulatedClock();
  clock.set(startAt);
  const answers: Array<(output: unknown) => void> = [];
  const step = fromPromise<unknown, unknown>(() => new Promise((resolve) => answers.push(resolve)));
  const app = appMachine.provide({
    actors: {
      pullImage: step as never,
      createContainer: step as never,
      startContainer: step as never,
      stopContainer: step as never,
      removeContainer: step as never,
      renderFiles: step as never,
      readImageHealthcheck: step as never,
      runProbe: fromCallback(() => undefined),
    },
  });
  const parent = setup({ types: { input: {} as AppInput, context: {} as { appInput: AppInput } }, actors: { app } }).createMachine({
    context: ({ input }) => ({ appInput: input }),
    invoke: { src: 'app', id: 'app', input: ({ context }) => context.appInput },
    on: { '*': {} },
  });
  const input: AppInput = { spec: specFor(1), desired: 'running', observation: exitedContainer(startAt - 60_000), backoff: BACKOFF };
  const actor = createActor(parent, { input, clock });
  actor.start();
  const child = actor.getSnapshot().children.app as ActorRefFrom<typeof appMachine>;
  return {
    clock,
    child,
    state: () => JSON.stringify(child.getSnapshot().value),
    status: () => child.getSnapshot().context.container?.status,
    /** Answers the step under way and lets the machine take the answer. */
    async answer(output: unknown) {
      const resolve = answers.shift();
      if (!resolve) throw new Error('no step is under way');
      resolve(output);
      await nextMacrotask();
    },
    stop: () => actor.stop(),
  };
}

describe('app machine: engine events older than what it knows', () => {
  it('counts a die dated after the start began but delivered after start answered as a crash', async () => {
    const t = harness(10_000);
    try {
      expect(t.state()).toBe('"rendering"');
      await t.answer({ changed: false });
      expect(t.state()).toBe('"starting"');
      // The container ran for a moment: it died before start answered; podman tells ~250 ms later.
      await t.answer({ begunAt: 10_000, at: 10_120 });
      expect(t.state()).toContain('running');
      t.child.send({ type: 'CONTAINER_EVENT', event: event('die', 10_060) });
      expect(t.state()).toBe('"backoff"');
      expect(t.status()).toBe('exited');
    } finally {
      t.stop();
    }
  });

  it('drops the start and die of a run a pass already saw end, so the backoff starts the container again', async () => {
    const t = harness(10_000);
    try {
      await t.answer({ changed: false });
      await t.answer({ begunAt: 10_000, at: 10_120 });
      // The pass looked at 10_500 and saw the container exited: a crash, then backoff.
      t.child.send({ type: 'OBSERVED', passId: 1, observedAt: 10_500, container: { ...exitedContainer(10_000), finishedAt: 10_400 } });
      expect(t.state()).toBe('"backoff"');
      // The events of that run arrive late, dated before the pass looked.
      t.child.send({ type: 'CONTAINER_EVENT', event: event('start', 10_350) });
      t.child.send({ type: 'CONTAINER_EVENT', event: event('die', 10_400) });
      expect(t.status()).toBe('exited');
      t.clock.increment(BACKOFF.maxMs);
      expect(t.state()).toBe('"rendering"');
    } finally {
      t.stop();
    }
  });

  it('applies an event dated in the same millisecond as the pass looked (it may have happened after the look)', async () => {
    const t = harness(10_000);
    try {
      await t.answer({ changed: false });
      await t.answer({ begunAt: 10_000, at: 10_120 });
      const running: ContainerObservation = { ...exitedContainer(10_000), status: 'running', pid: 42 };
      delete running.exitCode;
      t.child.send({ type: 'OBSERVED', passId: 1, observedAt: 10_500, container: running });
      expect(t.state()).toContain('running');
      t.child.send({ type: 'CONTAINER_EVENT', event: event('die', 10_499) });
      expect(t.state()).toContain('running');
      t.child.send({ type: 'CONTAINER_EVENT', event: event('die', 10_500) });
      expect(t.state()).toBe('"backoff"');
    } finally {
      t.stop();
    }
  });
});
