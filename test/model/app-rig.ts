import { setImmediate as nextMacrotask } from 'node:timers/promises';
import {
  createActor,
  fromCallback,
  fromPromise,
  setup,
  SimulatedClock,
  type ActorRefFrom,
  type AnyActorRef,
} from 'xstate';
import {
  appMachine,
  type AppInput,
  type ContainerInput,
  type CreateOutcome,
  type PullOutcome,
} from '../../machines/app.machine.js';
import type {
  AppEvent,
  AppProbes,
  AppSpec,
  PassEntry,
  ProbeSpec,
  RenderOutcome,
  StepOutcome,
} from '../../machines/types.js';
import { EngineError } from '../../src/domain/engine-error.js';
import {
  APP_ID,
  APP_LABEL,
  backoffDelayOf,
  containerIdOf,
  describeEvent,
  describeKnown,
  staleObservedAt,
  stableDelayOf,
  deadlineDelayOf,
  isFinalPhase,
  isRunningPhase,
  isReadingImageCheck,
  isStepPhase,
  MODEL_FAILURE_THRESHOLD,
  declaredRoles,
  restartsInPlace,
  LONG_WHILE,
  SIGHTINGS,
  SPEC_HASH_LABEL,
  specHash,
  STALE_CONTAINER_ID,
  STEP_EFFECTS,
  stateValue,
  stepWorld,
  toBox,
  toObservation,
  type AppWorld,
  type EffectName,
  type Expectation,
  type WorldEvent,
  initialWorld,
} from './app-world.js';
import type { CoverageRecorder } from './coverage.js';
import {
  inFlightRecord,
  machineRecord,
  MODEL_UPDATE_POLICY,
  policyOf,
  SNAPSHOT,
  type ModelRecord,
} from './app-update-world.js';
import type { SnapshotRef, UpdateRecord } from '../../machines/update.js';
import type { ImageHealthcheckOutcome } from '../../machines/app-knowledge.js';

/** The app machine the rig drives: the real one, or (to try a fix) a variant of it. */
export type AppMachine = typeof appMachine;

function modelProbe(role: keyof typeof MODEL_FAILURE_THRESHOLD): ProbeSpec {
  return {
    check: { kind: 'exec', command: ['true'] },
    intervalMs: 1_000,
    timeoutMs: 500,
    failureThreshold: MODEL_FAILURE_THRESHOLD[role],
    successThreshold: 1,
    startPeriodMs: 0,
  };
}

/** The container's own health check as the rig's engine reports it: fails act on the second in a row, as the model's liveness does. */
const MODEL_IMAGE_HEALTHCHECK = {
  test: ['CMD-SHELL', 'true'],
  intervalMs: 1_000,
  timeoutMs: 500,
  retries: MODEL_FAILURE_THRESHOLD.liveness,
};

function probesFor(world: Pick<AppWorld, 'heal' | 'updates' | 'specVersion'>): AppProbes | undefined {
  if (!world.heal && !world.updates) return undefined;
  const probes: AppProbes = { onLivenessFailure: restartsInPlace(world) ? 'restart' : 'recreate' };
  for (const role of declaredRoles(world)) probes[role] = modelProbe(role);
  return probes;
}

/** Version `version` of the update world's app: an update policy (its strategy as the world chose), a data dir. */
export function updateSpecFor(world: Pick<AppWorld, 'stopFirst'>, version: number): AppSpec {
  const { render: _render, ...spec } = specFor(version, false, true);
  return { ...spec, version: `0.${version}.0`, update: policyOf(world, version), dataDir: '/srv/demo' };
}

/** The spec of `version` in `world`'s kind of world. */
function worldSpec(world: AppWorld, version: number): AppSpec {
  return world.updates ? updateSpecFor(world, version) : specFor(version, world.heal);
}

export function specFor(version: number, heal = false, updates = false): AppSpec {
  const hash = specHash(version);
  const probes = probesFor({ heal, updates, specVersion: version });
  return {
    appId: APP_ID,
    ...(probes ? { probes } : {}),
    // The self-healing world uses the container's own health check where it declares no liveness probe.
    ...(heal ? { imageHealthcheck: true } : {}),
    // The main world renders files on every pass; the self-healing and update worlds' specs have none.
    ...(heal || updates
      ? {}
      : {
          render: {
            manifestFile: 'catalog/demo.yml',
            dataDir: '/srv/demo',
            files: [{ path: 'demo.conf', template: 'x' }],
          },
        }),
    specHash: hash,
    image: { ref: `registry.local/demo:${version}`, pullPolicy: 'if-not-present' },
    container: {
      name: `podwarden-${APP_ID}`,
      image: `registry.local/demo:${version}`,
      env: {},
      labels: { [APP_LABEL]: APP_ID, [SPEC_HASH_LABEL]: hash },
      ports: [],
      mounts: [],
      tmpfs: [],
      capAdd: [],
    },
  };
}

interface PendingStep {
  effect: EffectName;
  input: { spec: AppSpec; containerId?: string; record?: UpdateRecord };
  begunAt: number;
  resolve: (output: unknown) => void;
  reject: (error: unknown) => void;
}

type ParentMessage =
  | { type: 'APP.PASS_ENTRY'; passId: number; entry: PassEntry }
  | { type: 'APP.FINISHED'; appId: string }
  | { type: 'APP.LOOK_AGAIN'; appId: string; containerId: string };

/**
 * A minimal parent for the app machine, so its `sendParent` reports are real messages the
 * rig can read, with effects that wait for the world to answer. Built once per rig: the
 * effects and the parent's handlers reach whichever run is active.
 */
function wire(machine: AppMachine, active: () => AppUnderTest) {
  const effect = <TOut, TIn extends object>(name: EffectName) =>
    fromPromise<TOut, TIn>(
      ({ input }) =>
        new Promise<TOut>((resolve, reject) => {
          const run = active();
          const step: PendingStep = {
            effect: name,
            // The update's own effects are given its record, every other one a spec.
            input: input as PendingStep['input'],
            begunAt: run.clock.now(),
            resolve: resolve as (output: unknown) => void,
            reject,
          };
          run.pending = step;
          run.invoked.push(step);
        }),
    );
  const wired = machine.provide({
    actors: {
      pullImage: effect<PullOutcome, { spec: AppSpec }>('pullImage'),
      createContainer: effect<CreateOutcome, { spec: AppSpec }>('createContainer'),
      startContainer: effect<StepOutcome, ContainerInput>('startContainer'),
      stopContainer: effect<StepOutcome, ContainerInput>('stopContainer'),
      removeContainer: effect<StepOutcome, ContainerInput>('removeContainer'),
      renderFiles: effect<RenderOutcome, { spec: AppSpec }>('renderFiles'),
      readImageHealthcheck: effect<ImageHealthcheckOutcome, ContainerInput>('readImageHealthcheck'),
      saveUpdate: effect<StepOutcome, { record: UpdateRecord }>('saveUpdate'),
      snapshotData: effect<SnapshotRef, { record: UpdateRecord }>('snapshotData'),
      restoreData: effect<StepOutcome, { record: UpdateRecord }>('restoreData'),
      // The world reports probe verdicts itself (PROBE events): the actor only has to exist.
      runProbe: fromCallback(() => undefined),
    },
  });
  return setup({
    types: { input: {} as AppInput, context: {} as { appInput: AppInput } },
    actors: { app: wired },
  }).createMachine({
    context: ({ input }) => ({ appInput: input }),
    invoke: { src: 'app', id: 'app', input: ({ context }) => context.appInput },
    on: {
      'APP.PASS_ENTRY': { actions: ({ event }) => active().received.push(event as ParentMessage) },
      'APP.FINISHED': { actions: ({ event }) => active().received.push(event as ParentMessage) },
      'APP.LOOK_AGAIN': { actions: ({ event }) => active().received.push(event as ParentMessage) },
    },
  });
}

/** One run of the app machine, with a simulated clock that starts where the model's does. */
class AppUnderTest {
  readonly clock = new SimulatedClock();
  readonly received: ParentMessage[] = [];
  readonly invoked: PendingStep[] = [];
  pending: PendingStep | undefined;
  app!: ActorRefFrom<AppMachine>;
  private parent: AnyActorRef | undefined;
  private passSeq = 0;

  start(parentMachine: ReturnType<typeof wire>, input: AppInput, recorder: CoverageRecorder | undefined): void {
    this.clock.set(initialWorld().now);
    this.parent = createActor(parentMachine, {
      input,
      clock: this.clock,
      ...(recorder ? { inspect: recorder.inspect } : {}),
    });
    this.parent.start();
    this.app = this.parent.getSnapshot().children.app as ActorRefFrom<AppMachine>;
  }

  send(event: AppEvent): void {
    this.app.send(event);
  }

  nextPassId(): number {
    this.passSeq += 1;
    return this.passSeq;
  }

  stop(): void {
    this.parent?.stop();
  }
}

/** The machine did something the rig could not even deliver the next event to. */
class Divergence extends Error {}

/**
 * Replays world-event paths against the real app machine and checks, after every event,
 * that the machine is where the model says, knows what the model says, invoked the effect
 * the model expects with the right input, and told its parent exactly what it owed.
 */
export class AppRig {
  steps = 0;
  private active: AppUnderTest | undefined;
  private readonly parentMachine: ReturnType<typeof wire>;

  constructor(
    machine: AppMachine = appMachine,
    private readonly recorder?: CoverageRecorder,
    /** Replay paths of the self-healing world (probes, restart budget). */
    private readonly heal = false,
    /** Replay paths of the update world. */
    private readonly updates = false,
  ) {
    this.parentMachine = wire(machine, () => {
      if (!this.active) throw new Error('no run is active');
      return this.active;
    });
  }

  /** Runs one path; resolves with undefined when the machine followed it, else what differed and where. */
  async replay(path: WorldEvent[]): Promise<string | undefined> {
    let world = initialWorld(this.heal, this.updates);
    let sut: AppUnderTest | undefined;
    try {
      for (const [index, event] of path.entries()) {
        const { world: next, expect } = stepWorld(world, event);
        if (event.type === 'BOOT') {
          const observation = event.sighting === 'unobserved' ? undefined : SIGHTINGS[event.sighting];
          sut = new AppUnderTest();
          this.active = sut;
          sut.start(
            this.parentMachine,
            {
              // An update in flight was found while the catalog offers its new version (or a third one).
              spec: worldSpec(world, event.inFlight ? next.offered : world.specVersion),
              desired: event.desired,
              observation:
                observation === undefined ? undefined : observation === null ? null : toObservation(world, observation),
              backoff: world.backoff,
              ...(event.inFlight ? { update: fullRecord(world, inFlightRecord(event.inFlight)) } : {}),
            },
            this.recorder,
          );
        } else {
          if (!sut) throw new Error('path does not start with BOOT');
          // A render (or a read of the container's health check, or the save of a trial's verdict)
          // under way while running is cancelled when the machine leaves running.
          const render = runsWhileRunning(world) ? sut.pending : undefined;
          try {
            await this.deliver(sut, world, next, event);
          } catch (error) {
            if (!(error instanceof Divergence)) throw error;
            return `on ${describeEvent(event)} in ${world.phase}: ${error.message}\n  after: ${formatPath(path, index)}`;
          }
          if (render && !runsWhileRunning(next) && sut.pending === render) sut.pending = undefined;
        }
        this.steps += 1;
        const problem = this.check(sut!, world, next, event, expect);
        if (problem) return `${problem}\n  after: ${formatPath(path, index)}`;
        world = next;
      }
      return undefined;
    } finally {
      sut?.stop();
      this.active = undefined;
    }
  }

  private async deliver(sut: AppUnderTest, world: AppWorld, next: AppWorld, event: WorldEvent): Promise<void> {
    sut.received.length = 0;
    sut.invoked.length = 0;
    switch (event.type) {
      case 'ENGINE.OK':
      case 'ENGINE.FAIL': {
        const step = sut.pending;
        if (!step) throw new Divergence(`${describeEvent(event)}: no step is waiting for the engine`);
        sut.pending = undefined;
        if (event.type === 'ENGINE.OK') {
          const outcome = { begunAt: step.begunAt, at: sut.clock.now() };
          // Like the real effect, create reports the spec it made the container from.
          step.resolve(
            step.effect === 'createContainer'
              ? { id: containerIdOf(next), specHash: step.input.spec.specHash, ...outcome }
              : step.effect === 'pullImage'
                ? { ref: step.input.spec.image.ref, ...outcome }
                : step.effect === 'renderFiles'
                  ? { changed: false }
                  : step.effect === 'snapshotData'
                    ? SNAPSHOT
                    : outcome,
          );
        } else {
          step.reject(new EngineError(event.code, `${step.effect} failed (${event.code})`));
        }
        // The promise actor reports on a later microtask; let every one of them run.
        await nextMacrotask();
        return;
      }
      case 'LOOKED': {
        const seen = SIGHTINGS[event.sighting];
        sut.send({
          type: 'LOOKED',
          containerId: event.age === 'other' ? STALE_CONTAINER_ID : containerIdOf(world),
          observedAt: event.age === 'stale' ? staleObservedAt(world) : world.now,
          container: seen ? toObservation(world, seen) : null,
          events: [],
        });
        return;
      }
      case 'OBSERVED': {
        const seen = SIGHTINGS[event.sighting];
        sut.send({
          type: 'OBSERVED',
          passId: sut.nextPassId(),
          observedAt: event.age === 'fresh' ? world.now : staleObservedAt(world),
          container: seen ? toObservation(world, seen) : null,
        });
        return;
      }
      case 'SET_DESIRED':
        sut.send({ type: 'SET_DESIRED', desired: event.desired });
        return;
      case 'RESTART':
        sut.send({ type: 'RESTART' });
        return;
      case 'UPDATE_SPEC':
        sut.send({ type: 'UPDATE_SPEC', spec: specFor(next.specVersion, next.heal) });
        return;
      case 'OFFER':
        sut.send({ type: 'UPDATE_SPEC', spec: worldSpec(next, next.offered) });
        return;
      case 'OFFER_AGAIN':
        sut.send({ type: 'UPDATE_SPEC', spec: worldSpec(world, world.last!.to), retry: event.retry });
        return;
      case 'ROLLBACK':
        sut.send({ type: 'ROLLBACK' });
        return;
      case 'TIME.MIN_HEALTHY':
        this.advanceToTimer(sut, MODEL_UPDATE_POLICY.minHealthyMs, stateValue(world));
        return;
      case 'TIME.DEADLINE':
        this.advanceToTimer(sut, deadlineDelayOf(world), stateValue(world));
        return;
      case 'UPDATE_FILES':
        sut.send({ type: 'UPDATE_SPEC', spec: specFor(next.specVersion) });
        return;
      case 'RENDER.ANSWER': {
        const step = sut.pending;
        if (!step || step.effect !== 'renderFiles')
          throw new Divergence(`${describeEvent(event)}: no render is waiting`);
        sut.pending = undefined;
        if (event.outcome === 'fail')
          step.reject(new Error('render failed: the template uses {{RPC_PASSWORD}}, which has no value'));
        else step.resolve({ changed: event.outcome === 'changed' });
        await nextMacrotask();
        return;
      }
      case 'IMAGE_CHECK': {
        const step = sut.pending;
        if (!step || step.effect !== 'readImageHealthcheck')
          throw new Divergence(`${describeEvent(event)}: no health check read is waiting`);
        sut.pending = undefined;
        if (event.found) step.resolve({ containerId: step.input.containerId, healthcheck: MODEL_IMAGE_HEALTHCHECK });
        else step.reject(new EngineError('unreachable', 'inspect failed (unreachable)'));
        await nextMacrotask();
        return;
      }
      case 'DEPENDENCIES':
        sut.send({ type: 'DEPENDENCIES', waitingFor: event.ready ? [] : ['bitcoind (not ready)'] });
        return;
      case 'SHUTDOWN':
        sut.send({ type: 'SHUTDOWN' });
        return;
      case 'RETRY':
        sut.send({ type: 'RETRY' });
        return;
      case 'NAME.FREED':
        sut.send({ type: 'NAME.FREED', name: `podwarden-${APP_ID}` });
        return;
      case 'PROBE':
        sut.send({
          type: 'PROBE_RESULT',
          role: event.role,
          ok: event.ok,
          output: event.ok ? 'ok' : 'exit 1',
          target: 'exec true',
          at: sut.clock.now(),
        });
        return;
      case 'TIME.BACKOFF':
        this.advanceToTimer(sut, backoffDelayOf(world), 'backoff');
        return;
      case 'TIME.STABLE':
        this.advanceToTimer(sut, stableDelayOf(world), stateValue(world));
        return;
      case 'TIME.PASSES':
        sut.clock.increment(LONG_WHILE);
        return;
      case 'BOOT':
        throw new Error('BOOT is handled by replay');
    }
  }

  /** A timer must not fire 1 ms early; then it must fire on time. */
  private advanceToTimer(sut: AppUnderTest, delay: number, waitingIn: unknown): void {
    if (delay > 0) {
      sut.clock.increment(delay - 1);
      const value = sut.app.getSnapshot().value;
      if (JSON.stringify(value) !== JSON.stringify(waitingIn)) {
        throw new Divergence(`timer fired early: ${JSON.stringify(value)} ${delay - 1} ms into a ${delay} ms wait`);
      }
    }
    sut.clock.increment(delay > 0 ? 1 : 0);
  }

  private check(
    sut: AppUnderTest,
    before: AppWorld,
    world: AppWorld,
    event: WorldEvent,
    expect: Expectation,
  ): string | undefined {
    const snapshot = sut.app.getSnapshot();
    const where = `on ${describeEvent(event)} in ${before.phase}`;
    if (snapshot.status === 'error') return `${where}: the machine failed: ${String(snapshot.error)}`;
    const expectedStatus = isFinalPhase(world.phase) ? 'done' : 'active';
    if (snapshot.status !== expectedStatus || JSON.stringify(snapshot.value) !== JSON.stringify(stateValue(world))) {
      return `${where}: expected ${world.phase} (${expectedStatus}), machine is in ${JSON.stringify(snapshot.value)} (${snapshot.status})`;
    }
    const context = snapshot.context;
    const hash = specHash(world.specVersion);
    const mismatches: string[] = [];
    if (context.desired !== world.desired) mismatches.push(`desired ${context.desired}, expected ${world.desired}`);
    if (context.spec.specHash !== hash) mismatches.push(`spec ${context.spec.specHash}, expected ${hash}`);
    if (context.failures !== world.failures)
      mismatches.push(`failures ${context.failures}, expected ${world.failures}`);
    const ready = isRunningPhase(world.phase) && world.health === 'ready';
    if (!isFinalPhase(world.phase) && context.ready !== ready)
      mismatches.push(`ready ${context.ready}, expected ${ready}`);
    if (!isFinalPhase(world.phase) && context.restartsInWindow !== world.spends.length) {
      mismatches.push(`${context.restartsInWindow} restarts in the budget's window, expected ${world.spends.length}`);
    }
    if (!isFinalPhase(world.phase)) {
      const known = describeKnown(toBox(context.container, hash));
      if (known !== describeKnown(world.known))
        mismatches.push(`knows its container as ${known}, expected ${describeKnown(world.known)}`);
      if (world.known && context.container && context.container.id !== containerIdOf(world)) {
        mismatches.push(`knows container ${context.container.id}, expected ${containerIdOf(world)}`);
      }
      if (world.known && context.container && context.container.startedAt !== world.known.startedAt) {
        mismatches.push(`knows its run began at ${context.container.startedAt}, expected ${world.known.startedAt}`);
      }
    }
    if (!isFinalPhase(world.phase)) mismatches.push(...checkUpdate(context, world));
    mismatches.push(...this.checkEffects(sut, before, world, event));
    mismatches.push(...this.checkMessages(sut, world, expect));
    return mismatches.length ? `${where} → ${world.phase}: ${mismatches.join('; ')}` : undefined;
  }

  private checkEffects(sut: AppUnderTest, before: AppWorld, world: AppWorld, event: WorldEvent): string[] {
    const rerenderBegins = world.rerendering && !before.rerendering;
    const readBegins = isReadingImageCheck(world) && !isReadingImageCheck(before);
    const commitBegins = world.trial === 'committing' && before.trial !== 'committing';
    const expected = rerenderBegins
      ? 'renderFiles'
      : readBegins
        ? 'readImageHealthcheck'
        : commitBegins
          ? 'saveUpdate'
          : STEP_EFFECTS[world.phase];
    // A step state is only left by its answer, so a new step begins exactly when the machine
    // enters a step state or a step's answer leads straight into the next one; a running
    // app's render begins when a quiet pass asks for one.
    const begins =
      rerenderBegins ||
      readBegins ||
      commitBegins ||
      (expected !== undefined &&
        (before.phase !== world.phase ||
          event.type === 'ENGINE.OK' ||
          event.type === 'ENGINE.FAIL' ||
          event.type === 'BOOT'));
    const problems: string[] = [];
    const names = sut.invoked.map((step) => step.effect);
    if (begins) {
      if (names.length !== 1 || names[0] !== expected)
        problems.push(`invoked [${names.join(', ')}], expected [${expected}]`);
      const step = sut.invoked[0];
      if (step?.input.record) {
        // The update's own effects are given its record.
        const want = world.record!;
        const got = step.input.record;
        if (got.from.specHash !== specHash(want.from) || got.to.specHash !== specHash(want.to))
          problems.push(`${step.effect} got the update ${got.from.specHash} → ${got.to.specHash}`);
      } else if (step) {
        // Preparing fetches the new version's image; every other step works on the current spec.
        const wantHash = specHash(world.phase === 'updating.fetching' ? world.record!.to : world.specVersion);
        if (step.input.spec.specHash !== wantHash)
          problems.push(`${step.effect} got spec ${step.input.spec.specHash}, expected ${wantHash}`);
        const takesContainer =
          step.effect !== 'pullImage' && step.effect !== 'createContainer' && step.effect !== 'renderFiles';
        if (takesContainer && step.input.containerId !== containerIdOf(world)) {
          problems.push(`${step.effect} got container ${step.input.containerId}, expected ${containerIdOf(world)}`);
        }
      }
    } else if (names.length > 0) {
      problems.push(`invoked [${names.join(', ')}] though no step begins`);
    }
    if (!isStepPhase(world.phase) && !runsWhileRunning(world) && sut.pending && !isFinalPhase(world.phase)) {
      problems.push(`${sut.pending.effect} still waits for the engine`);
    }
    return problems;
  }

  private checkMessages(sut: AppUnderTest, world: AppWorld, expect: Expectation): string[] {
    const problems: string[] = [];
    const entries = sut.received.filter(
      (m): m is Extract<ParentMessage, { type: 'APP.PASS_ENTRY' }> => m.type === 'APP.PASS_ENTRY',
    );
    const finished = sut.received.filter((m) => m.type === 'APP.FINISHED');
    if (expect.passEntry) {
      const want = expect.passEntry;
      if (entries.length !== 1) problems.push(`answered the pass ${entries.length} times, expected once`);
      const got = entries[0];
      if (got) {
        const entry = got.entry;
        if (got.passId < 1) problems.push(`pass entry for pass ${got.passId}`);
        if (
          entry.appId !== APP_ID ||
          entry.state !== want.state ||
          entry.action !== want.action ||
          entry.busy !== want.busy
        ) {
          problems.push(
            `pass entry ${JSON.stringify(entry)}, expected ${JSON.stringify({ state: want.state, action: want.action, busy: want.busy })}`,
          );
        }
        if ((entry.failure !== undefined) !== want.failure) {
          problems.push(`pass entry ${want.failure ? 'lacks' : 'has'} a failure: ${JSON.stringify(entry.failure)}`);
        }
      }
    } else if (entries.length > 0) {
      problems.push(`sent ${entries.length} pass entries unasked`);
    }
    const wantFinished = expect.finished ? 1 : 0;
    if (finished.length !== wantFinished)
      problems.push(`announced FINISHED ${finished.length} times, expected ${wantFinished}`);
    const looks = sut.received.filter((m) => m.type === 'APP.LOOK_AGAIN');
    const wantLooks = expect.lookAgain ? 1 : 0;
    if (looks.length !== wantLooks) problems.push(`asked for ${looks.length} looks, expected ${wantLooks}`);
    if (looks.some((m) => m.containerId !== containerIdOf(world)))
      problems.push(`asked to look at ${JSON.stringify(looks.map((m) => m.containerId))}`);
    return problems;
  }
}

/** An effect the running app invokes beside its container's run: a render, a health check read, a trial's verdict saved. */
function runsWhileRunning(world: AppWorld): boolean {
  return world.rerendering || isReadingImageCheck(world) || world.trial === 'committing';
}

/** The model's record with the update world's specs, as the machine is given it at boot. */
function fullRecord(world: AppWorld, record: ModelRecord): UpdateRecord {
  return {
    ...machineRecord(world, record),
    from: updateSpecFor(world, record.from),
    to: updateSpecFor(world, record.to),
  };
}

/** What the machine knows of updates: the one under way, the last one, a stashed manifest. */
function checkUpdate(
  context: ReturnType<ActorRefFrom<AppMachine>['getSnapshot']>['context'],
  world: AppWorld,
): string[] {
  const problems: string[] = [];
  const fromMachine = (record: UpdateRecord | undefined) =>
    record && {
      from: record.from.specHash,
      to: record.to.specHash,
      phase: record.phase,
      done: record.done.join('+'),
      snapshot: record.snapshot !== undefined,
      touched: record.touched,
      restored: record.restored ?? false,
      result: record.result,
    };
  const fromModel = (record: ModelRecord | undefined) =>
    record && {
      from: specHash(record.from),
      to: specHash(record.to),
      phase: record.phase,
      done: record.done.join('+'),
      snapshot: record.snapshot,
      touched: record.touched,
      restored: record.restored,
      result: record.result,
    };
  const update = JSON.stringify(fromMachine(context.update));
  if (update !== JSON.stringify(fromModel(world.record)))
    problems.push(`update ${update}, expected ${JSON.stringify(fromModel(world.record))}`);
  const last = JSON.stringify(fromMachine(context.lastUpdate)?.result);
  const lastTo = context.lastUpdate?.to.specHash;
  if (last !== JSON.stringify(world.last?.result) || lastTo !== (world.last && specHash(world.last.to)))
    problems.push(`last update ${last} to ${lastTo}, expected ${world.last?.result} to ${world.last?.to}`);
  const stashed = context.stashedSpec?.specHash;
  const wantStashed = world.stashed === undefined ? undefined : specHash(world.stashed);
  if (stashed !== wantStashed) problems.push(`stashed ${stashed}, expected ${wantStashed}`);
  return problems;
}

export function formatPath(path: WorldEvent[], upTo = path.length - 1): string {
  const shown = path.slice(0, upTo + 1).map(describeEvent);
  const tail = shown.length > 40 ? ['…', ...shown.slice(-40)] : shown;
  return tail.join(' → ');
}

/** Replays `path` through the model alone and returns where it ends. */
export function modelEnd(path: WorldEvent[], heal = false, updates = false): AppWorld {
  return path.reduce((world, event) => stepWorld(world, event).world, initialWorld(heal, updates));
}
