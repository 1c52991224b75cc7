import { describe, expect, it } from 'vitest';
import { createActor, toPromise, type AnyActorLogic } from 'xstate';
import { appMachine } from '../../machines/app.machine.js';
import { STEP_STATES, type ExecutorStep } from '../../machines/step.js';
import type { AppSpec } from '../../machines/types.js';
import { ACTOR_OF, createAppEffects } from '../../src/effects/app-effects.js';
import { createStepExecutors } from '../../src/effects/step-executors.js';
import { sampleImageRef, sampleRegistry } from '../../src/engine/simulator/simulator-images.js';
import { createSimulatedEngine } from '../../src/engine/simulator/simulator.js';
import type { Journal } from '../../src/journal/journal.js';
import type { IntentRecord, OutcomeRecord } from '../../src/journal/records.js';
import { silentLogger } from '../../src/log.js';
import { containerSpec } from '../support/container-spec.js';

const REGISTRY = '127.0.0.1:5000';
const HTTPD = sampleImageRef('httpd', REGISTRY);
const CAUSE = { reason: 'no container', trigger: 'pass 3' };
const SPEC: AppSpec = {
  appId: 'web',
  specHash: 'h1',
  image: { ref: HTTPD, pullPolicy: 'if-not-present' },
  container: containerSpec('podwarden-web', HTTPD),
};

type Appended = Omit<IntentRecord, 'seq'> | Omit<OutcomeRecord, 'seq'>;

/** A journal that keeps what is appended, numbered as the real one numbers it. */
function keptJournal() {
  const records: Appended[] = [];
  const journal: Pick<Journal, 'append'> = {
    append: async (record) => {
      records.push(record as Appended);
      return records.length;
    },
  };
  return { records, journal };
}

function setup() {
  const engine = createSimulatedEngine({ registry: sampleRegistry(REGISTRY) });
  const { records, journal } = keptJournal();
  const actors = createAppEffects(engine, { logger: silentLogger(), insecureRegistries: [REGISTRY], journal });
  const run = (kind: ExecutorStep, input: object) =>
    toPromise(createActor(actors[ACTOR_OF[kind]] as AnyActorLogic, { input }).start()) as Promise<
      Record<string, unknown>
    >;
  return { engine, records, run };
}

describe('one executor per step, journaled by one wrapper', () => {
  it('has an executor for every step the machine runs, provided under the name the machine invokes it by', () => {
    const executors = createStepExecutors(createSimulatedEngine(), { logger: silentLogger(), insecureRegistries: [] });
    const declared = Object.keys(appMachine.implementations.actors);
    for (const kind of Object.keys(ACTOR_OF) as ExecutorStep[]) {
      expect(executors[kind]).toBeDefined();
      expect(declared).toContain(ACTOR_OF[kind]);
      // A state of the chart is the step under way (plan's `busy`).
      expect(Object.values(STEP_STATES)).toContain(kind);
    }
    expect(Object.keys(executors).sort()).toEqual(Object.keys(ACTOR_OF).sort());
  });

  it('journals every step the same way: its intent with the cause before it acts, its outcome after', async () => {
    const { records, run } = setup();
    const pulled = await run('pull', { spec: SPEC, cause: CAUSE });
    const { id } = (await run('create', { spec: SPEC, cause: CAUSE })) as { id: string };
    await run('render', { spec: SPEC, cause: CAUSE });
    for (const kind of ['start', 'stop', 'remove'] as const)
      await run(kind, { spec: SPEC, containerId: id, cause: CAUSE });

    // Every step's output is dated, so the machine tells stale observations from fresh ones.
    expect(pulled).toMatchObject({ ref: HTTPD, begunAt: expect.any(Number), at: expect.any(Number) });
    // A render of an app without files acts on nothing: nothing is journaled.
    expect(records.map((record) => `${record.type} ${record.step}`)).toEqual(
      ['pull', 'create', 'start', 'stop', 'remove'].flatMap((step) => [`intent ${step}`, `outcome ${step}`]),
    );
    const intents = records.filter((record) => record.type === 'intent');
    expect(intents.every((record) => record.cause === CAUSE && record.appId === 'web')).toBe(true);
    expect(intents[0]).toMatchObject({ image: HTTPD });
    expect(intents[1]).toMatchObject({ image: HTTPD, containerName: 'podwarden-web' });
    expect(intents.slice(2).every((record) => record.containerId === id)).toBe(true);
    const outcomes = records.filter((record) => record.type === 'outcome');
    expect(outcomes.every((record, i) => record.ok && record.intent === 2 * i + 1)).toBe(true);
    expect(outcomes.slice(1).every((record) => record.containerId === id)).toBe(true);
  });

  it('journals a failed step as an outcome with the error, and the failure reaches the machine', async () => {
    const { engine, records, run } = setup();
    await run('pull', { spec: SPEC, cause: CAUSE });
    const { id } = (await run('create', { spec: SPEC, cause: CAUSE })) as { id: string };
    engine.control.failNext('start', 'engine');
    await expect(run('start', { spec: SPEC, containerId: id, cause: CAUSE })).rejects.toThrow();
    expect(records.at(-1)).toMatchObject({
      type: 'outcome',
      step: 'start',
      intent: 5,
      ok: false,
      error: expect.any(String),
    });
  });

  it('journals a pull that builds under its own name', async () => {
    const { records, run } = setup();
    await run('pull', {
      spec: { ...SPEC, image: { ...SPEC.image, build: { context: '/nowhere' }, pullFallback: true } },
    });
    expect(records[0]).toMatchObject({ type: 'intent', step: 'build', image: HTTPD });
    expect(records[1]).toMatchObject({ type: 'outcome', step: 'build', ok: true });
  });
});
