import { setImmediate as nextMacrotask } from 'node:timers/promises';
import { createActor, fromCallback, fromPromise, setup, SimulatedClock, type ActorRefFrom } from 'xstate';
import { appMachine, type AppInput } from '../../machines/app.machine.js';
import type { ContainerEvent, ContainerObservation } from '../../src/domain/container-observation.js';
import { APP_ID, APP_LABEL, MODEL_BACKOFF, SPEC_HASH_LABEL } from '../model/app-world.js';
import { specFor } from '../model/app-rig.js';

// One app machine driven by hand with real engine times, for rules the model in test/model
// cannot date (it lets no time pass during a step).

export const CONTAINER_ID = 'ctr-1';
export const { budget: _budget, ...BACKOFF } = MODEL_BACKOFF;

export function runningContainer(startedAt: number): ContainerObservation {
  const { exitCode: _code, ...container } = exitedContainer(startedAt);
  return { ...container, status: 'running', pid: 42 };
}

export function exitedContainer(startedAt: number): ContainerObservation {
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

export function event(action: ContainerEvent['action'], time: number, exitCode = 1): ContainerEvent {
  return {
    kind: 'container',
    action,
    containerId: CONTAINER_ID,
    labels: { [APP_LABEL]: APP_ID },
    time,
    ...(action === 'die' ? { exitCode } : {}),
  };
}

/** The app machine under a parent that swallows its reports, with steps the test answers by hand. */
export function harness(startAt: number, observation: ContainerObservation = exitedContainer(startAt - 60_000)) {
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
  const received: { type: string }[] = [];
  const parent = setup({
    types: { input: {} as AppInput, context: {} as { appInput: AppInput } },
    actors: { app },
  }).createMachine({
    context: ({ input }) => ({ appInput: input }),
    invoke: { src: 'app', id: 'app', input: ({ context }) => context.appInput },
    on: { '*': { actions: ({ event }) => received.push(event) } },
  });
  const input: AppInput = { spec: specFor(1), desired: 'running', observation, backoff: BACKOFF };
  const actor = createActor(parent, { input, clock });
  actor.start();
  const child = actor.getSnapshot().children.app as ActorRefFrom<typeof appMachine>;
  return {
    clock,
    child,
    /** What the machine told its parent, oldest first. */
    received,
    state: () => JSON.stringify(child.getSnapshot().value),
    /** A look at the container, asked of the engine at `observedAt`, after `events`. */
    look(observedAt: number, container: ContainerObservation | null, events: ContainerEvent[] = []) {
      child.send({ type: 'LOOKED', containerId: CONTAINER_ID, observedAt, container, events });
    },
    status: () => child.getSnapshot().context.container?.status,
    /** Answers the pre-start render (nothing changed), then the start that began at `begunAt` and answered at `at`. */
    async rendersAndStarts(begunAt: number, at: number) {
      await this.answer({ changed: false });
      await this.answer({ begunAt, at });
    },
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
