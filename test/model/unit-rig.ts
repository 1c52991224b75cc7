import { setImmediate as nextMacrotask } from 'node:timers/promises';
import { createActor, fromPromise, setup, SimulatedClock, type ActorRefFrom, type AnyActorRef } from 'xstate';
import type { AppInput } from '../../machines/app-knowledge.js';
import { companionUnitMachine, type UnitStepInput } from '../../machines/companion-unit.machine.js';
import type { AppEvent, AppSpec, PassEntry } from '../../machines/types.js';
import type { CoverageRecorder } from './coverage.js';
import {
  describeUnitEvent,
  initialUnitWorld,
  isUnitFinal,
  isUnitStep,
  stepUnitWorld,
  UNIT_LONG_WHILE,
  UNIT_STEP_EFFECTS,
  unitBackoffDelay,
  type UnitEffect,
  type UnitExpectation,
  type UnitWorld,
  type UnitWorldEvent,
} from './unit-world.js';
import { containerSpec } from '../support/container-spec.js';

const KEY = 'lnd/ui';

function specFor(version: number): AppSpec {
  return {
    appId: KEY,
    specHash: `u${version}`,
    image: { ref: 'registry.local/ui:1', pullPolicy: 'if-not-present' },
    container: containerSpec('podwarden-lnd-ui', 'registry.local/ui:1'),
  };
}

interface PendingStep {
  effect: UnitEffect;
  input: UnitStepInput;
  resolve: (output: unknown) => void;
  reject: (error: unknown) => void;
}

type ParentMessage =
  { type: 'APP.PASS_ENTRY'; passId: number; entry: PassEntry } | { type: 'APP.FINISHED'; appId: string };

class UnitUnderTest {
  readonly clock = new SimulatedClock();
  readonly received: ParentMessage[] = [];
  readonly invoked: PendingStep[] = [];
  pending: PendingStep | undefined;
  unit!: ActorRefFrom<typeof companionUnitMachine>;
  parent: AnyActorRef | undefined;
  passSeq = 0;
  /** The pass whose check is under way: its answer comes when the check is done, after later passes'. */
  checkPass = 0;
}

function wire(active: () => UnitUnderTest) {
  const effect = (name: UnitEffect) =>
    fromPromise<unknown, UnitStepInput>(
      ({ input }) =>
        new Promise((resolve, reject) => {
          const run = active();
          const step: PendingStep = { effect: name, input, resolve, reject };
          run.pending = step;
          run.invoked.push(step);
        }),
    );
  const machine = companionUnitMachine.provide({
    actors: {
      writeUnit: effect('writeUnit'),
      reloadDaemon: effect('reloadDaemon'),
      enableUnit: effect('enableUnit'),
      restartUnit: effect('restartUnit'),
      checkActive: effect('checkActive'),
      disableUnit: effect('disableUnit'),
      removeUnit: effect('removeUnit'),
    } as never,
  });
  return setup({
    types: { input: {} as AppInput, context: {} as { unitInput: AppInput } },
    actors: { unit: machine },
  }).createMachine({
    context: ({ input }) => ({ unitInput: input }),
    invoke: { src: 'unit', id: 'unit', input: ({ context }) => context.unitInput },
    on: {
      'APP.PASS_ENTRY': { actions: ({ event }) => active().received.push(event as ParentMessage) },
      'APP.FINISHED': { actions: ({ event }) => active().received.push(event as ParentMessage) },
    },
  });
}

class Divergence extends Error {}

/** Replays world paths against the real companion-unit machine and checks it after every event. */
export class UnitRig {
  steps = 0;
  private active: UnitUnderTest | undefined;
  private readonly parentMachine = wire(() => {
    if (!this.active) throw new Error('no run is active');
    return this.active;
  });

  constructor(private readonly recorder?: CoverageRecorder) {}

  async replay(path: UnitWorldEvent[]): Promise<string | undefined> {
    let world = initialUnitWorld();
    let sut: UnitUnderTest | undefined;
    try {
      for (const [index, event] of path.entries()) {
        const { world: next, expect } = stepUnitWorld(world, event);
        if (event.type === 'BOOT') {
          sut = new UnitUnderTest();
          this.active = sut;
          sut.parent = createActor(this.parentMachine, {
            input: {
              spec: specFor(world.specVersion),
              desired: event.desired,
              observation: undefined,
              backoff: world.backoff,
              waitingFor: event.blocked ? ['lnd (not ready)'] : [],
            },
            clock: sut.clock,
            ...(this.recorder ? { inspect: this.recorder.inspect } : {}),
          });
          sut.parent.start();
          sut.unit = sut.parent.getSnapshot().children.unit as ActorRefFrom<typeof companionUnitMachine>;
          await nextMacrotask();
        } else {
          if (!sut) throw new Error('path does not start with BOOT');
          try {
            await this.deliver(sut, world, next, event);
          } catch (error) {
            if (!(error instanceof Divergence)) throw error;
            return `on ${describeUnitEvent(event)} in ${world.phase}: ${error.message}\n  after: ${formatUnitPath(path, index)}`;
          }
        }
        this.steps += 1;
        const problem = this.check(sut!, world, next, event, expect);
        if (problem) return `${problem}\n  after: ${formatUnitPath(path, index)}`;
        world = next;
      }
      return undefined;
    } finally {
      sut?.parent?.stop();
      this.active = undefined;
    }
  }

  private async deliver(sut: UnitUnderTest, world: UnitWorld, next: UnitWorld, event: UnitWorldEvent): Promise<void> {
    sut.received.length = 0;
    sut.invoked.length = 0;
    const send = (e: AppEvent) => sut.unit.send(e);
    switch (event.type) {
      case 'STEP.OK':
      case 'STEP.FAIL': {
        const step = sut.pending;
        if (!step) throw new Divergence(`${describeUnitEvent(event)}: no step is waiting`);
        sut.pending = undefined;
        if (event.type === 'STEP.FAIL') step.reject(new Error(`${step.effect} failed`));
        else if (event.answer === 'changed' || event.answer === 'unchanged')
          step.resolve({ changed: event.answer === 'changed' });
        else if (event.answer === 'active' || event.answer === 'inactive')
          step.resolve({ active: event.answer === 'active' });
        else step.resolve(undefined);
        await nextMacrotask();
        return;
      }
      case 'OBSERVED':
        sut.passSeq += 1;
        if (world.phase === 'active') sut.checkPass = sut.passSeq;
        send({ type: 'OBSERVED', passId: sut.passSeq, observedAt: sut.clock.now(), container: null });
        await nextMacrotask();
        return;
      case 'SET_DESIRED':
        send({ type: 'SET_DESIRED', desired: event.desired });
        break;
      case 'UPDATE_SPEC':
        send({ type: 'UPDATE_SPEC', spec: specFor(next.specVersion) });
        break;
      case 'DEPENDENCIES':
        send({ type: 'DEPENDENCIES', waitingFor: event.ready ? [] : ['lnd (not ready)'] });
        break;
      case 'SHUTDOWN':
        send({ type: 'SHUTDOWN' });
        break;
      case 'TIME.BACKOFF': {
        const delay = unitBackoffDelay(world);
        if (delay > 0) {
          sut.clock.increment(delay - 1);
          if (sut.unit.getSnapshot().value !== 'backoff')
            throw new Divergence(`backoff ended early, ${delay - 1} ms into ${delay} ms`);
        }
        sut.clock.increment(delay > 0 ? 1 : 0);
        break;
      }
      case 'TIME.PASSES':
        sut.clock.increment(UNIT_LONG_WHILE);
        break;
      case 'BOOT':
        throw new Error('BOOT is handled by replay');
    }
    await nextMacrotask();
  }

  private check(
    sut: UnitUnderTest,
    before: UnitWorld,
    world: UnitWorld,
    event: UnitWorldEvent,
    expect: UnitExpectation,
  ): string | undefined {
    const snapshot = sut.unit.getSnapshot();
    const where = `on ${describeUnitEvent(event)} in ${before.phase}`;
    if (snapshot.status === 'error') return `${where}: the machine failed: ${String(snapshot.error)}`;
    const status = isUnitFinal(world.phase) ? 'done' : 'active';
    if (snapshot.status !== status || snapshot.value !== world.phase) {
      return `${where}: expected ${world.phase} (${status}), machine is in ${JSON.stringify(snapshot.value)} (${snapshot.status})`;
    }
    const problems: string[] = [];
    const context = snapshot.context;
    if (context.desired !== world.desired) problems.push(`desired ${context.desired}, expected ${world.desired}`);
    if (context.failures !== world.failures) problems.push(`failures ${context.failures}, expected ${world.failures}`);
    if (context.spec.specHash !== `u${world.specVersion}`)
      problems.push(`spec ${context.spec.specHash}, expected u${world.specVersion}`);
    const expected = UNIT_STEP_EFFECTS[world.phase];
    const begins =
      expected !== undefined &&
      (before.phase !== world.phase || event.type === 'STEP.OK' || event.type === 'STEP.FAIL' || event.type === 'BOOT');
    const names = sut.invoked.map((step) => step.effect);
    if (begins && (names.length !== 1 || names[0] !== expected))
      problems.push(`invoked [${names.join(', ')}], expected [${expected}]`);
    if (!begins && names.length > 0) problems.push(`invoked [${names.join(', ')}] though no step begins`);
    if (begins && sut.invoked[0] && sut.invoked[0].input.spec.specHash !== `u${world.specVersion}`)
      problems.push(`step got spec ${sut.invoked[0].input.spec.specHash}`);
    if (!isUnitStep(world.phase) && !isUnitFinal(world.phase) && sut.pending)
      problems.push(`${sut.pending.effect} still waits`);
    const entries = sut.received.filter(
      (m): m is Extract<ParentMessage, { type: 'APP.PASS_ENTRY' }> => m.type === 'APP.PASS_ENTRY',
    );
    if (expect.passEntry) {
      const want = expect.passEntry;
      const got = entries[0]?.entry;
      if (entries.length !== 1 || !got) problems.push(`answered ${entries.length} times, expected once`);
      else if (
        got.appId !== KEY ||
        got.state !== want.state ||
        got.action !== want.action ||
        got.busy !== want.busy ||
        (got.failure !== undefined) !== want.failure
      ) {
        problems.push(`pass entry ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
      }
      const wantPass = event.type === 'OBSERVED' ? sut.passSeq : sut.checkPass;
      if (entries[0] && entries[0].passId !== wantPass)
        problems.push(`answered pass ${entries[0].passId}, expected ${wantPass}`);
    } else if (entries.length > 0) {
      problems.push(`sent ${entries.length} pass entries unasked: ${JSON.stringify(entries[0])}`);
    }
    const finished = sut.received.filter((m) => m.type === 'APP.FINISHED').length;
    if (finished !== (expect.finished ? 1 : 0)) problems.push(`announced FINISHED ${finished} times`);
    return problems.length ? `${where} → ${world.phase}: ${problems.join('; ')}` : undefined;
  }
}

export function formatUnitPath(path: UnitWorldEvent[], upTo = path.length - 1): string {
  return path
    .slice(0, upTo + 1)
    .map(describeUnitEvent)
    .join(' → ');
}
