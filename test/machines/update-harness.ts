import { setImmediate as nextMacrotask } from 'node:timers/promises';
import { createActor, fromCallback, fromPromise, setup, SimulatedClock, type ActorRefFrom } from 'xstate';
import { appMachine, type AppInput } from '../../machines/app.machine.js';
import type { ContainerObservation } from '../../src/domain/container-observation.js';
import type { AppSpec, UpdatePolicy } from '../../machines/types.js';
import type { UpdateRecord } from '../../machines/update.js';
import { APP_ID, APP_LABEL, SPEC_HASH_LABEL } from '../model/app-world.js';
import { specFor } from '../model/app-rig.js';
import { BACKOFF } from './app-harness.js';

// One app machine whose effects the test answers by hand, by name, so an update's steps can be
// followed one by one (which effect, with what input) on a simulated clock.

export const POLICY: UpdatePolicy = {
  strategy: 'download-then-replace',
  snapshot: true,
  keepSnapshots: 3,
  minHealthyMs: 60_000,
  deadlineMs: 600_000,
  restoreData: true,
};

/** Version `n` of the app, with an update policy and a data dir (no rendered files, no probes). */
export function versionSpec(n: number, policy: Partial<UpdatePolicy> = {}): AppSpec {
  const { render: _render, ...spec } = specFor(n);
  return { ...spec, version: `0.${n}.0`, update: { ...POLICY, ...policy }, dataDir: '/srv/demo' };
}

export function container(
  spec: AppSpec,
  status: 'running' | 'exited',
  id = `ctr-${spec.specHash}`,
): ContainerObservation {
  return {
    id,
    name: `podwarden-${APP_ID}`,
    image: spec.image.ref,
    status,
    health: 'none',
    ...(status === 'running' ? { pid: 42 } : { exitCode: 1 }),
    startedAt: 1,
    labels: { [APP_LABEL]: APP_ID, [SPEC_HASH_LABEL]: spec.specHash },
  };
}

interface Pending {
  effect: string;
  input: unknown;
  resolve: (output: unknown) => void;
  reject: (error: unknown) => void;
}

const EFFECTS = [
  'pullImage',
  'createContainer',
  'startContainer',
  'stopContainer',
  'removeContainer',
  'renderFiles',
  'readImageHealthcheck',
  'saveUpdate',
  'snapshotData',
  'restoreData',
] as const;

export function updateHarness(input: Partial<AppInput> & { spec: AppSpec }, startAt = 1_000_000) {
  const clock = new SimulatedClock();
  clock.set(startAt);
  const pending: Pending[] = [];
  const actors = Object.fromEntries(
    EFFECTS.map((effect) => [
      effect,
      fromPromise<unknown, unknown>(
        ({ input }) => new Promise((resolve, reject) => pending.push({ effect, input, resolve, reject })),
      ),
    ]),
  );
  const app = appMachine.provide({ actors: { ...actors, runProbe: fromCallback(() => undefined) } as never });
  const parent = setup({
    types: { input: {} as AppInput, context: {} as { appInput: AppInput } },
    actors: { app },
  }).createMachine({
    context: ({ input }) => ({ appInput: input }),
    invoke: { src: 'app', id: 'app', input: ({ context }) => context.appInput },
  });
  const full: AppInput = { desired: 'running', observation: null, backoff: BACKOFF, ...input };
  const actor = createActor(parent, { input: full, clock });
  actor.start();
  const child = actor.getSnapshot().children.app as ActorRefFrom<typeof appMachine>;
  let now = startAt;
  const h = {
    clock,
    child,
    context: () => child.getSnapshot().context,
    state: () => JSON.stringify(child.getSnapshot().value),
    /** The effect under way now (exactly one is expected), by name. */
    current(): string {
      const names = pending.map((p) => p.effect);
      return names.length === 1 ? names[0]! : `[${names.join(', ')}]`;
    },
    /** Answers the effect under way, which must be `effect`; returns its input. */
    async answer(effect: string, output: unknown = { begunAt: now, at: now }): Promise<unknown> {
      const index = pending.findIndex((p) => p.effect === effect);
      if (index < 0) throw new Error(`${effect} is not under way (under way: ${h.current()}; state ${h.state()})`);
      const [step] = pending.splice(index, 1);
      step!.resolve(output);
      await nextMacrotask();
      return step!.input;
    },
    async fail(effect: string, message: string): Promise<void> {
      const index = pending.findIndex((p) => p.effect === effect);
      if (index < 0) throw new Error(`${effect} is not under way (under way: ${h.current()})`);
      const [step] = pending.splice(index, 1);
      step!.reject(Object.assign(new Error(message), { code: 'engine' }));
      await nextMacrotask();
    },
    async observe(observed: ContainerObservation | null): Promise<void> {
      now += 1_000;
      clock.set(now);
      child.send({
        type: 'LOOKED',
        containerId: observed?.id ?? 'none',
        observedAt: now,
        container: observed,
        events: [],
      });
      await nextMacrotask();
    },
    async advance(ms: number): Promise<void> {
      now += ms;
      clock.increment(ms);
      await nextMacrotask();
    },
    send: (event: Parameters<typeof child.send>[0]) => child.send(event),
    /** Creates, renders (none), starts and confirms a container of `spec`, as the engine would. */
    async bringsUp(spec: AppSpec): Promise<void> {
      await h.answer('createContainer', { id: `ctr-${spec.specHash}`, specHash: spec.specHash, begunAt: now, at: now });
      await h.answer('renderFiles', { changed: false });
      await h.answer('startContainer', { begunAt: now, at: now });
      await h.observe(container(spec, 'running'));
    },
    record: (): UpdateRecord | undefined => child.getSnapshot().context.update,
    stop: () => actor.stop(),
  };
  return h;
}
