import { setImmediate as nextMacrotask } from 'node:timers/promises';
import { Subject } from 'rxjs';
import {
  fromCallback,
  assign,
  createActor,
  enqueueActions,
  fromEventObservable,
  fromPromise,
  sendParent,
  setup,
  SimulatedClock,
  type Actor,
  type AnyActorRef,
} from 'xstate';
import type { AppInput } from '../../machines/app.machine.js';
import type { appMachine } from '../../machines/app.machine.js';
import { supervisorMachine, type Snapshot, type SupervisorEvent } from '../../machines/supervisor.machine.js';
import {
  DEFAULT_BACKOFF,
  type AppEvent,
  type AppSpec,
  type Looked,
  type SupervisorNotice,
} from '../../machines/types.js';
import type { LookRequest } from '../../machines/supervisor-context.js';
import { listerActor } from '../../src/streams/lister.js';
import { LABELS } from '../../src/domain/labels.js';
import type { ContainerEvent, ContainerObservation } from '../../src/domain/container-observation.js';
import type { CoverageRecorder } from './coverage.js';
import {
  ANSWERS_WHEN_TOLD,
  describeSupervisorEvent,
  FINISHES_WHEN_TOLD,
  GATE_CAP_MS,
  initialSupervisorWorld,
  PASS_TIMEOUT_MS,
  RECOVER_RETRY_MS,
  stepSupervisorWorld,
  SUPERVISOR_START,
  type EngineTarget,
  type SupervisorExpectation,
  type SupervisorPhase,
  type SupervisorWorld,
  type SupervisorWorldEvent,
} from './supervisor-world.js';

const APP_LABEL = LABELS.app;
const ROLE_LABEL = LABELS.role;
const SPEC_HASH_LABEL = LABELS.specHash;

function specOf(appId: string): AppSpec {
  return {
    appId,
    specHash: `${appId}-1`,
    image: { ref: `registry.local/${appId}:1`, pullPolicy: 'if-not-present' },
    container: {
      name: `podwarden-${appId}`,
      image: `registry.local/${appId}:1`,
      env: {},
      labels: { [APP_LABEL]: appId, [SPEC_HASH_LABEL]: `${appId}-1` },
      ports: [],
      mounts: [],
      tmpfs: [],
      capAdd: [],
    },
  };
}

function container(id: string, labels: Record<string, string>): ContainerObservation {
  return { id, name: id, image: 'registry.local/any:1', status: 'running', health: 'none', labels, pid: 7 };
}

const TARGET_LABELS: Record<EngineTarget, Record<string, string>> = {
  a: { [APP_LABEL]: 'a' },
  'a-companion': { [APP_LABEL]: 'a', [ROLE_LABEL]: 'companion' },
  o: { [APP_LABEL]: 'o' },
  h: { [APP_LABEL]: 'h' },
};

/** What the engine lists: a and its companion while a's container exists, the orphan, the held app. */
function engineSnapshot(world: SupervisorWorld, now: number): Snapshot {
  const containers: ContainerObservation[] = [];
  if (world.aPresent)
    containers.push(container('ctr-a', TARGET_LABELS.a), container('ctr-a-db', TARGET_LABELS['a-companion']));
  if (world.orphanPresent) containers.push(container('ctr-o', TARGET_LABELS.o));
  containers.push(container('ctr-h', TARGET_LABELS.h));
  return { observedAt: now, containers };
}

type StubEvent = AppEvent | { type: 'ANSWER' } | { type: 'FINISH' } | { type: 'ASK_LOOK' };

interface StubContext {
  appId: string;
  desired: AppInput['desired'];
  observation: 'unobserved' | 'none' | 'container';
  owed: number[];
  /** The state it last announced, as the app machine keeps it (announce.ts). */
  announced: string | null;
}

function describeChildEvent(event: StubEvent): string {
  switch (event.type) {
    case 'OBSERVED':
      return `OBSERVED(${event.passId},${event.container ? 'container' : 'none'})`;
    case 'SET_DESIRED':
      return `SET_DESIRED(${event.desired})`;
    default:
      return event.type;
  }
}

/**
 * A stand-in for the app machine: it answers a pass at once (or, for slow apps, when the
 * world says so) and announces APP.FINISHED when told to leave (at once, or when the world
 * says its removal or shutdown is over). It logs what the supervisor sent it.
 */
function stubApp(active: () => SupervisorRun) {
  const answer = (passId: number, appId: string) => ({
    type: 'APP.PASS_ENTRY' as const,
    passId,
    entry: { appId, state: 'stub', action: 'none', busy: false },
  });
  const leavesAtOnce = ({ context }: { context: StubContext }) => !FINISHES_WHEN_TOLD.has(context.appId);
  const toAbsent = ({ event }: { event: StubEvent }) => event.type === 'SET_DESIRED' && event.desired === 'absent';
  return setup({
    types: { input: {} as AppInput, context: {} as StubContext, events: {} as StubEvent },
    actions: {
      // Like an app machine entering a state it rests in: a change is announced for the supervisor to relay.
      announce: enqueueActions(({ context, enqueue }, params: { state: string }) => {
        if (context.announced === params.state) return;
        enqueue.assign({ announced: params.state });
        enqueue.sendParent({
          type: 'APP.STATE_CHANGED',
          appId: context.appId,
          from: context.announced,
          to: params.state,
        });
      }),
      record: ({ context, event }) => active().childEvents.push(`${context.appId}:${describeChildEvent(event)}`),
    },
  }).createMachine({
    id: 'app-stub',
    context: ({ input }) => ({
      appId: input.spec.appId,
      desired: input.desired,
      observation: input.observation === undefined ? 'unobserved' : input.observation === null ? 'none' : 'container',
      owed: [],
      announced: null,
    }),
    entry: ({ context }) => active().spawned.push(`${context.appId}:${context.desired}:${context.observation}`),
    initial: 'born',
    on: {
      OBSERVED: [
        {
          guard: ({ context }) => ANSWERS_WHEN_TOLD.has(context.appId),
          actions: ['record', assign(({ context, event }) => ({ owed: [...context.owed, event.passId] }))],
        },
        { actions: ['record', sendParent(({ context, event }) => answer(event.passId, context.appId))] },
      ],
      ANSWER: {
        actions: [
          // Answers go out oldest first, as a slow app would send them.
          enqueueActions(({ context, enqueue }) => {
            for (const passId of context.owed) enqueue.sendParent(answer(passId, context.appId));
          }),
          assign({ owed: [] }),
        ],
      },
      UPDATE_SPEC: { actions: 'record' },
      LOOKED: { actions: 'record' },
      RESTART: { actions: 'record' },
      ROLLBACK: { actions: 'record' },
      ASK_LOOK: {
        actions: sendParent(({ context }) => ({
          type: 'APP.LOOK_AGAIN' as const,
          appId: context.appId,
          containerId: `ctr-${context.appId}`,
        })),
      },
    },
    states: {
      born: {
        always: [{ guard: ({ context }) => context.desired === 'absent', target: 'uninstalling' }, { target: 'live' }],
      },
      live: {
        // Like an app machine entering running: the supervisor re-reads its readiness.
        entry: [
          { type: 'announce', params: { state: 'live' } },
          sendParent(({ context }) => ({ type: 'APP.READINESS', appId: context.appId })),
        ],
        on: {
          SET_DESIRED: [
            {
              guard: ({ context, event }) => toAbsent({ event }) && leavesAtOnce({ context }),
              target: 'finished',
              actions: 'record',
            },
            { guard: toAbsent, target: 'uninstalling', actions: 'record' },
            { actions: 'record' },
          ],
          SHUTDOWN: [
            { guard: leavesAtOnce, target: 'finished', actions: 'record' },
            { target: 'shuttingDown', actions: 'record' },
          ],
        },
      },
      uninstalling: {
        on: {
          SET_DESIRED: [
            { guard: ({ event }) => !toAbsent({ event }), target: 'live', actions: 'record' },
            { actions: 'record' },
          ],
          SHUTDOWN: { target: 'shuttingDown', actions: 'record' },
          FINISH: 'finished',
        },
      },
      shuttingDown: { on: { FINISH: 'finished' } },
      finished: {
        type: 'final',
        entry: [
          { type: 'announce', params: { state: 'finished' } },
          sendParent(({ context }) => ({ type: 'APP.FINISHED', appId: context.appId })),
        ],
      },
    },
  });
}

interface Deferred<T> {
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

/** One run of the supervisor: its clock, streams, pending engine calls and what it said. */
class SupervisorRun {
  readonly clock = new SimulatedClock();
  readonly ticks = new Subject<{ type: 'TICK' }>();
  readonly engine = new Subject<SupervisorEvent>();
  recover: Deferred<Snapshot> | undefined;
  observe: Deferred<Snapshot> | undefined;
  recoverCalls = 0;
  observeCalls = 0;
  readonly notices: string[] = [];
  readonly spawned: string[] = [];
  readonly childEvents: string[] = [];
  /** The looks actor's way back to the supervisor, while it runs. */
  looked: ((event: SupervisorEvent) => void) | undefined;
  actor!: Actor<typeof supervisorMachine>;

  clear(): void {
    this.recoverCalls = 0;
    this.observeCalls = 0;
    this.notices.length = 0;
    this.spawned.length = 0;
    this.childEvents.length = 0;
  }
}

function describeNotice(notice: SupervisorNotice): string {
  switch (notice.type) {
    case 'gateOpened':
      return `gateOpened:${notice.reason}`;
    case 'appRemoved':
      return `appRemoved:${notice.appId}`;
    case 'pass': {
      const { report } = notice;
      const status =
        report.error === undefined
          ? 'complete'
          : report.error.startsWith('engine could not be observed')
            ? 'failed'
            : 'incomplete';
      return `pass:${report.passId}:${report.entries.map((entry) => entry.appId).join(',')}:${status}`;
    }
    default:
      return notice.type;
  }
}

function expectedValue(phase: SupervisorPhase): unknown {
  const [parent, child] = phase.split('.');
  return child ? { [parent!]: child } : parent;
}

const sorted = (list: string[]) => [...list].sort();

/**
 * Replays world-event paths against the real supervisor (its app machines stubbed) and
 * checks after every event: its state, which machines it holds, the pass it waits for, what
 * it told each machine, which engine calls it made and which notices it emitted.
 */
export class SupervisorRig {
  steps = 0;
  private active: SupervisorRun | undefined;
  private readonly machine;

  constructor(private readonly recorder?: CoverageRecorder) {
    const active = () => {
      if (!this.active) throw new Error('no run is active');
      return this.active;
    };
    const deferred = <T>(assignTo: (run: SupervisorRun, d: Deferred<T>) => void) =>
      new Promise<T>((resolve, reject) => assignTo(active(), { resolve, reject }));
    this.machine = supervisorMachine.provide({
      actors: {
        // The stub speaks the app machine's protocol; provide() wants the declared logic type.
        app: stubApp(active) as unknown as typeof appMachine,
        recover: fromPromise(() => {
          active().recoverCalls += 1;
          return deferred<Snapshot>((run, d) => (run.recover = d));
        }),
        lister: listerActor(() => {
          active().observeCalls += 1;
          return deferred<Snapshot>((run, d) => (run.observe = d));
        }),
        ticks: fromEventObservable(() => active().ticks.asObservable()),
        engineEvents: fromEventObservable(() => active().engine.asObservable()),
        // Records each look asked of it as told to the child it concerns; the world answers looks.
        looks: fromCallback<LookRequest>(({ sendBack, receive }) => {
          const run = active();
          run.looked = sendBack;
          receive((request) => run.childEvents.push(`${request.key}:LOOK`));
          return () => {
            if (run.looked === sendBack) run.looked = undefined;
          };
        }),
      },
    });
  }

  async replay(path: SupervisorWorldEvent[]): Promise<string | undefined> {
    let world = initialSupervisorWorld();
    const run = new SupervisorRun();
    this.active = run;
    try {
      for (const [index, event] of path.entries()) {
        const { world: next, expect } = stepSupervisorWorld(world, event);
        run.clear();
        const early = await this.deliver(run, world, event);
        this.steps += 1;
        const problem = early ?? this.check(run, world, next, event, expect);
        if (problem) {
          const shown = path.slice(0, index + 1).map(describeSupervisorEvent);
          return `${problem}\n  after: ${(shown.length > 40 ? ['…', ...shown.slice(-40)] : shown).join(' → ')}`;
        }
        world = next;
      }
      return undefined;
    } finally {
      run.actor?.stop();
      this.active = undefined;
    }
  }

  /** Delivers one world event; returns a problem found on the way (a timer firing early). */
  private async deliver(
    run: SupervisorRun,
    world: SupervisorWorld,
    event: SupervisorWorldEvent,
  ): Promise<string | undefined> {
    switch (event.type) {
      case 'BOOT':
        run.clock.set(SUPERVISOR_START);
        run.actor = createActor(this.machine, {
          clock: run.clock,
          input: {
            apps: { a: { spec: specOf('a'), desired: 'running' } },
            refused: { h: 'manifest h.yaml: field image is missing' },
            backoff: DEFAULT_BACKOFF,
            holdGateForEmbedder: event.holdGate,
            gateCapMs: GATE_CAP_MS,
            recoverRetryMs: RECOVER_RETRY_MS,
            passTimeoutMs: PASS_TIMEOUT_MS,
            now: () => Date.now(),
          },
          ...(this.recorder ? { inspect: this.recorder.inspect } : {}),
        });
        run.actor.on('*', (notice) => {
          // The children's own state changes, relayed as they come: the world models what the
          // supervisor decides, not what its children announce (their tests check those).
          if (notice.type !== 'transition') run.notices.push(describeNotice(notice as SupervisorNotice));
        });
        run.actor.start();
        return undefined;
      case 'RECOVER.OK':
      case 'RECOVER.FAIL':
      case 'OBSERVE.OK':
      case 'OBSERVE.FAIL': {
        const recovering = event.type.startsWith('RECOVER');
        const call = recovering ? run.recover : run.observe;
        if (!call) return `${event.type}: no ${recovering ? 'recovery' : 'list'} call is waiting`;
        if (recovering) run.recover = undefined;
        else run.observe = undefined;
        if (event.type.endsWith('.OK')) call.resolve(engineSnapshot(world, run.clock.now()));
        else call.reject(new Error('connect ENOENT /run/podman/podman.sock'));
        await nextMacrotask();
        return undefined;
      }
      case 'TIME.RETRY':
        return this.advanceToTimer(run, RECOVER_RETRY_MS, { recovering: 'retrying' });
      case 'TIME.GATE_CAP':
        return this.advanceToTimer(run, SUPERVISOR_START + GATE_CAP_MS - world.now, 'recovering');
      case 'TIME.PASS_TIMEOUT':
        return this.advanceToTimer(run, PASS_TIMEOUT_MS, { supervising: 'collecting' });
      case 'TICK':
        run.ticks.next({ type: 'TICK' });
        return undefined;
      case 'ENGINE.CONNECTED':
        run.engine.next({ type: 'ENGINE.CONNECTED', reconnect: event.reconnect });
        return undefined;
      case 'ENGINE.CONTAINER': {
        const engineEvent: ContainerEvent = {
          kind: 'container',
          action: 'die',
          containerId: `ctr-${event.target}`,
          labels: TARGET_LABELS[event.target],
          time: run.clock.now(),
          exitCode: 1,
        };
        run.engine.next({ type: 'ENGINE.CONTAINER', event: engineEvent });
        return undefined;
      }
      case 'RELEASE_GATE':
      case 'SHUTDOWN':
        run.actor.send({ type: event.type });
        return undefined;
      case 'INSTALL':
        run.actor.send({ type: 'INSTALL', appId: event.app, app: { spec: specOf(event.app), desired: 'running' } });
        return undefined;
      case 'UNINSTALL':
        run.actor.send({ type: 'UNINSTALL', appId: event.app });
        return undefined;
      case 'SET_DESIRED':
        run.actor.send({ type: 'SET_DESIRED', appId: event.app, desired: event.desired });
        return undefined;
      case 'RESTART':
      case 'ROLLBACK':
        run.actor.send({ type: event.type, appId: event.app });
        return undefined;
      case 'ENGINE.LOOKED': {
        if (!run.looked) return `${describeSupervisorEvent(event)}: no looks actor runs`;
        const look: Looked = {
          type: 'LOOKED',
          containerId: `ctr-${event.target}`,
          observedAt: run.clock.now(),
          container: null,
          events: [],
        };
        run.looked({ type: 'ENGINE.LOOKED', key: event.target, look });
        return undefined;
      }
      case 'CHILD.LOOK_AGAIN': {
        const child = run.actor.getSnapshot().children[`app:${event.app}`] as AnyActorRef | undefined;
        if (!child) return `${describeSupervisorEvent(event)}: the supervisor holds no machine for ${event.app}`;
        child.send({ type: 'ASK_LOOK' });
        return undefined;
      }
      case 'CHILD.ANSWER':
      case 'CHILD.FINISH': {
        const child = run.actor.getSnapshot().children[`app:${event.app}`] as AnyActorRef | undefined;
        if (!child) return `${describeSupervisorEvent(event)}: the supervisor holds no machine for ${event.app}`;
        child.send({ type: event.type === 'CHILD.ANSWER' ? 'ANSWER' : 'FINISH' });
        return undefined;
      }
    }
  }

  /** A timer must not fire 1 ms early; then it must fire on time. */
  private advanceToTimer(run: SupervisorRun, delay: number, waitingIn: unknown): string | undefined {
    run.clock.increment(delay - 1);
    const snapshot = run.actor.getSnapshot();
    const still =
      typeof waitingIn === 'string'
        ? snapshot.matches(waitingIn as never)
        : JSON.stringify(snapshot.value) === JSON.stringify(waitingIn);
    if (!still) return `timer fired early: ${JSON.stringify(snapshot.value)} ${delay - 1} ms into a ${delay} ms wait`;
    run.clock.increment(1);
    return undefined;
  }

  private check(
    run: SupervisorRun,
    before: SupervisorWorld,
    world: SupervisorWorld,
    event: SupervisorWorldEvent,
    expect: SupervisorExpectation,
  ): string | undefined {
    const snapshot = run.actor.getSnapshot();
    const where = `on ${describeSupervisorEvent(event)} in ${before.phase}`;
    if (snapshot.status === 'error') return `${where}: the supervisor failed: ${String(snapshot.error)}`;
    const expectedStatus = world.phase === 'stopped' ? 'done' : 'active';
    if (
      snapshot.status !== expectedStatus ||
      JSON.stringify(snapshot.value) !== JSON.stringify(expectedValue(world.phase))
    ) {
      return `${where}: expected ${world.phase} (${expectedStatus}), supervisor is in ${JSON.stringify(snapshot.value)} (${snapshot.status})`;
    }
    const problems: string[] = [];
    const compare = (what: string, got: string[], want: string[]) => {
      const a = sorted(got).join(' ');
      const b = sorted(want).join(' ');
      if (a !== b) problems.push(`${what} [${a}], expected [${b}]`);
    };
    const context = snapshot.context;
    if (world.phase !== 'stopped') {
      compare('machines', Object.keys(context.refs), Object.keys(world.children));
      if (world.phase.startsWith('recovering.') && context.embedderReleased !== world.released) {
        problems.push(`gate released ${context.embedderReleased}, expected ${world.released}`);
      }
      // Only while collecting is the flag pure outcome; when it is cleared during a pass is the machine's business.
      if (world.phase === 'supervising.collecting' && context.passQueued !== world.passQueued) {
        problems.push(`pass queued ${context.passQueued}, expected ${world.passQueued}`);
      }
      if (world.phase === 'supervising.collecting')
        compare('pass waits for', context.pass?.pending ?? [], world.pending);
    }
    compare('notices', run.notices, expect.notices);
    compare('spawned', run.spawned, expect.spawned);
    compare('told', run.childEvents, expect.childEvents);
    if (run.recoverCalls !== expect.recoverCalls)
      problems.push(`${run.recoverCalls} recovery calls, expected ${expect.recoverCalls}`);
    if (run.observeCalls !== expect.observeCalls)
      problems.push(`${run.observeCalls} list calls, expected ${expect.observeCalls}`);
    return problems.length ? `${where} → ${world.phase}: ${problems.join('; ')}` : undefined;
  }
}
