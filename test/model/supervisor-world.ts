import type { WorldModel } from './paths.js';

/**
 * An abstract, finite model of the supervisor's surroundings and of what it must do. The
 * cast: app `a` is declared at boot and answers passes and finishes only when the world says
 * so (a slow app); app `b` can be installed later and does both at once; `o` is an owned
 * container no app claims (an orphan); `h` is a held app whose container must be left alone
 * (no machine); `a` also has a companion container, which is never routed.
 */

export type SupervisorPhase =
  | 'unborn'
  | 'recovering.adopting'
  | 'recovering.retrying'
  | 'recovering.adopted'
  | 'supervising.idle'
  | 'supervising.listing'
  | 'supervising.collecting'
  | 'draining'
  | 'stopped';

/** Apps that can have a machine: the declared ones and the orphan. */
export type AppName = 'a' | 'b' | 'o';
export const APP_NAMES: AppName[] = ['a', 'b', 'o'];
/** Apps that can be installed (`o` never is; `h` stays held). */
export type Installable = 'a' | 'b';

/** Stub behaviour per app: `a` answers passes only when told; `a` and `o` finish only when told. */
export const ANSWERS_WHEN_TOLD: ReadonlySet<string> = new Set(['a']);
export const FINISHES_WHEN_TOLD: ReadonlySet<string> = new Set(['a', 'o']);

export interface ChildState {
  /** live; told its app is uninstalled (it removes the container); told to shut down. */
  mode: 'live' | 'uninstalling' | 'shutting-down';
  /** Owes an answer to the pass in progress / to an older pass. */
  owesCurrent: boolean;
  owesOlder: boolean;
}

export type EngineTarget = 'a' | 'a-companion' | 'o' | 'h';

export type SupervisorWorldEvent =
  | { type: 'BOOT'; holdGate: boolean }
  | { type: 'RECOVER.OK' }
  | { type: 'RECOVER.FAIL' }
  | { type: 'TIME.RETRY' }
  | { type: 'TIME.GATE_CAP' }
  | { type: 'TIME.PASS_TIMEOUT' }
  | { type: 'RELEASE_GATE' }
  | { type: 'TICK' }
  | { type: 'ENGINE.CONNECTED'; reconnect: boolean }
  | { type: 'ENGINE.CONTAINER'; target: EngineTarget }
  | { type: 'OBSERVE.OK' }
  | { type: 'OBSERVE.FAIL' }
  | { type: 'INSTALL'; app: Installable }
  | { type: 'UNINSTALL'; app: Installable }
  | { type: 'SET_DESIRED'; app: 'a'; desired: 'running' | 'stopped' }
  | { type: 'SHUTDOWN' }
  | { type: 'CHILD.ANSWER'; app: 'a' }
  | { type: 'CHILD.FINISH'; app: 'a' | 'o' }
  /** The looks actor answers a look at a container of `target`. */
  | { type: 'ENGINE.LOOKED'; target: 'a' | 'o' }
  /** A child asks for a look at its container. */
  | { type: 'CHILD.LOOK_AGAIN'; app: 'a' | 'o' }
  /** The owner restarts an installed app. */
  | { type: 'RESTART'; app: 'a' }
  /** The owner's rollback of an app's last update: passed on like a restart. */
  | { type: 'ROLLBACK'; app: 'a' };

export interface SupervisorWorld {
  phase: SupervisorPhase;
  holdGate: boolean;
  released: boolean;
  declared: Record<Installable, boolean>;
  children: Partial<Record<AppName, ChildState>>;
  /** Apps the pass in progress still waits for (collecting only). */
  pending: AppName[];
  passQueued: boolean;
  /** The engine holds a's container (and its companion) / the orphan container. */
  aPresent: boolean;
  orphanPresent: boolean;
  // Bookkeeping that never decides which transition is taken (left out of the graph key).
  desired: Record<Installable, 'running' | 'stopped'>;
  /** Boot recovery answered: machines spawned at the gate get what it saw. */
  adopted: boolean;
  passSeq: number;
  /** Apps whose answer the pass in progress recorded. */
  answered: AppName[];
  now: number;
}

/** What the supervisor must do in reaction to one event; lists compare as sorted multisets. */
export interface SupervisorExpectation {
  notices: string[];
  spawned: string[];
  childEvents: string[];
  recoverCalls: number;
  observeCalls: number;
}

export const GATE_CAP_MS = 3_600_000;
export const RECOVER_RETRY_MS = 5_000;
export const PASS_TIMEOUT_MS = 10_000;
export const SUPERVISOR_START = 1_000_000;

export function initialSupervisorWorld(): SupervisorWorld {
  return {
    phase: 'unborn',
    holdGate: false,
    released: false,
    declared: { a: true, b: false },
    children: {},
    pending: [],
    passQueued: false,
    aPresent: true,
    orphanPresent: true,
    desired: { a: 'running', b: 'running' },
    adopted: false,
    passSeq: 0,
    answered: [],
    now: SUPERVISOR_START,
  };
}

export function serializeSupervisorWorld(world: SupervisorWorld): string {
  if (world.phase === 'stopped') return 'stopped';
  const children = APP_NAMES.map((app) => {
    const child = world.children[app];
    if (!child) return `${app}:-`;
    return `${app}:${child.mode}${child.owesCurrent ? '+owes' : ''}${child.owesOlder ? '+owes-old' : ''}`;
  });
  return [
    world.phase,
    world.holdGate ? 'hold' : '',
    world.released ? 'released' : '',
    `declared:${(['a', 'b'] as const).filter((app) => world.declared[app]).join(',')}`,
    ...children,
    `pending:${world.pending.join(',')}`,
    world.passQueued ? 'queued' : '',
    world.aPresent ? 'a-present' : '',
    world.orphanPresent ? 'orphan-present' : '',
  ].join('|');
}

const inRecovery = (phase: SupervisorPhase) => phase.startsWith('recovering.');
const supervising = (phase: SupervisorPhase) => phase.startsWith('supervising.');

export function supervisorWorldEvents(world: SupervisorWorld): SupervisorWorldEvent[] {
  if (world.phase === 'unborn')
    return [
      { type: 'BOOT', holdGate: false },
      { type: 'BOOT', holdGate: true },
    ];
  if (world.phase === 'stopped') return [];
  const events: SupervisorWorldEvent[] = [];
  if (world.phase === 'recovering.adopting') events.push({ type: 'RECOVER.OK' }, { type: 'RECOVER.FAIL' });
  if (world.phase === 'recovering.retrying') events.push({ type: 'TIME.RETRY' });
  if (inRecovery(world.phase)) events.push({ type: 'TIME.GATE_CAP' });
  if (world.phase === 'supervising.listing') events.push({ type: 'OBSERVE.OK' }, { type: 'OBSERVE.FAIL' });
  if (world.phase === 'supervising.collecting') events.push({ type: 'TIME.PASS_TIMEOUT' });
  if (supervising(world.phase)) {
    // The tick and engine-event streams only run while supervising.
    events.push(
      { type: 'TICK' },
      { type: 'ENGINE.CONNECTED', reconnect: false },
      { type: 'ENGINE.CONNECTED', reconnect: true },
    );
    for (const target of ['a', 'a-companion', 'o', 'h'] as const) events.push({ type: 'ENGINE.CONTAINER', target });
    // The looks actor runs while supervising: it may answer a look at any time.
    for (const target of ['a', 'o'] as const) events.push({ type: 'ENGINE.LOOKED', target });
  }
  for (const app of ['a', 'o'] as const) if (world.children[app]) events.push({ type: 'CHILD.LOOK_AGAIN', app });
  events.push({ type: 'RELEASE_GATE' });
  for (const app of ['a', 'b'] as const) {
    events.push({ type: 'INSTALL', app });
    // podwarden only uninstalls or starts/stops what is installed.
    if (world.declared[app]) events.push({ type: 'UNINSTALL', app });
  }
  if (world.declared.a) {
    events.push({ type: 'RESTART', app: 'a' }, { type: 'ROLLBACK', app: 'a' });
    events.push(
      { type: 'SET_DESIRED', app: 'a', desired: 'stopped' },
      { type: 'SET_DESIRED', app: 'a', desired: 'running' },
    );
  }
  events.push({ type: 'SHUTDOWN' });
  const a = world.children.a;
  if (a && (a.owesCurrent || a.owesOlder)) events.push({ type: 'CHILD.ANSWER', app: 'a' });
  for (const app of ['a', 'o'] as const) {
    const child = world.children[app];
    if (child && child.mode !== 'live') events.push({ type: 'CHILD.FINISH', app });
  }
  return events;
}

interface Outcome {
  world: SupervisorWorld;
  expect: SupervisorExpectation;
}

/** Accumulates what one event makes the supervisor do, while the world evolves. */
class Effects {
  readonly expect: SupervisorExpectation = {
    notices: [],
    spawned: [],
    childEvents: [],
    recoverCalls: 0,
    observeCalls: 0,
  };
  constructor(public world: SupervisorWorld) {}

  set(patch: Partial<SupervisorWorld>): void {
    this.world = { ...this.world, ...patch };
  }

  notice(text: string): void {
    this.expect.notices.push(text);
  }

  tell(app: AppName, text: string): void {
    this.expect.childEvents.push(`${app}:${text}`);
  }

  /** The engine's containers as a pass or recovery sees them, per app. */
  containerOf(app: AppName): boolean {
    if (app === 'a') return this.world.aPresent;
    if (app === 'o') return this.world.orphanPresent;
    return false;
  }

  spawn(
    app: AppName,
    desired: 'running' | 'stopped' | 'absent',
    observation: 'unobserved' | 'none' | 'container',
  ): void {
    this.expect.spawned.push(`${app}:${desired}:${observation}`);
    const mode = desired === 'absent' ? 'uninstalling' : 'live';
    this.set({ children: { ...this.world.children, [app]: { mode, owesCurrent: false, owesOlder: false } } });
  }

  /** A child announced APP.FINISHED and the supervisor forgot it. */
  forget(app: AppName): void {
    const child = this.world.children[app];
    if (!child) return;
    const { [app]: _gone, ...children } = this.world.children;
    // A machine that finished because its app was uninstalled removed the container.
    const removed = child.mode === 'uninstalling';
    this.set({
      children,
      pending: this.world.pending.filter((name) => name !== app),
      ...(removed && app === 'a' ? { aPresent: false } : {}),
      ...(removed && app === 'o' ? { orphanPresent: false } : {}),
    });
    const declared = app !== 'o' && this.world.declared[app];
    if (!declared) this.notice(`appRemoved:${app}`);
  }

  /** What a child does when told to leave: prompt ones finish at once. */
  leave(app: AppName, mode: 'uninstalling' | 'shutting-down'): void {
    const child = this.world.children[app];
    if (!child) return;
    if (!FINISHES_WHEN_TOLD.has(app)) {
      this.forget(app);
      return;
    }
    this.set({
      children: {
        ...this.world.children,
        [app]: { ...child, mode: child.mode === 'shutting-down' ? child.mode : mode },
      },
    });
  }

  /** The gate opens: every declared app without a machine gets one. */
  openGate(reason: 'recovered' | 'cap'): void {
    this.notice(`gateOpened:${reason}`);
    this.set({ phase: 'supervising.idle' });
    this.spawnDeclared();
    this.set({ adopted: false });
  }

  spawnDeclared(): void {
    for (const app of ['a', 'b'] as const) {
      if (!this.world.declared[app] || this.world.children[app]) continue;
      const observation = !this.world.adopted ? 'unobserved' : this.containerOf(app) ? 'container' : 'none';
      this.spawn(app, this.world.desired[app], observation);
    }
  }

  /** A pass begins with its list call; requests from before it are served by it. */
  startObserving(): void {
    this.expect.observeCalls += 1;
    this.set({ phase: 'supervising.listing', passQueued: false });
  }

  /** idle runs the queued pass at once. */
  settleIdle(): void {
    if (this.world.phase === 'supervising.idle' && this.world.passQueued) this.startObserving();
  }

  finishPass(): void {
    const passId = this.world.passSeq;
    const missing = this.world.pending.length > 0;
    // Entries come from every app that answered this pass, including ones that have finished since.
    this.notice(`pass:${passId}:${[...this.world.answered].sort().join(',')}:${missing ? 'incomplete' : 'complete'}`);
    const children = { ...this.world.children };
    for (const app of APP_NAMES) {
      const child = children[app];
      if (child?.owesCurrent) children[app] = { ...child, owesCurrent: false, owesOlder: true };
    }
    this.set({ phase: 'supervising.idle', pending: [], answered: [], children });
    this.settleIdle();
  }

  /** collecting ends as soon as nobody owes an answer. */
  settleCollecting(): void {
    if (this.world.phase === 'supervising.collecting' && this.world.pending.length === 0) this.finishPass();
  }

  /** draining ends as soon as no machine is left. */
  settleDraining(): void {
    if (this.world.phase === 'draining' && Object.keys(this.world.children).length === 0)
      this.set({ phase: 'stopped' });
  }

  queueOrObserve(): void {
    if (this.world.phase === 'supervising.idle') this.startObserving();
    else this.set({ passQueued: true });
  }
}

function onBoot(effects: Effects, holdGate: boolean): void {
  effects.set({ holdGate, phase: 'recovering.adopting' });
  effects.expect.recoverCalls += 1;
}

function onObserved(effects: Effects): void {
  // Orphans: owned containers no declared or held app claims, without a machine yet.
  const candidates: Array<[AppName, boolean]> = [
    ['a', effects.world.aPresent && !effects.world.declared.a],
    ['o', effects.world.orphanPresent],
  ];
  for (const [app, orphan] of candidates) {
    if (orphan && !effects.world.children[app]) effects.spawn(app, 'absent', 'container');
  }
  const passId = effects.world.passSeq + 1;
  // A request that arrived while the list call was out is not served by this pass: it stays queued.
  effects.set({
    passSeq: passId,
    phase: 'supervising.collecting',
    answered: [],
    pending: APP_NAMES.filter((app) => effects.world.children[app]),
  });
  for (const app of APP_NAMES) {
    const child = effects.world.children[app];
    if (!child) continue;
    effects.tell(app, `OBSERVED(${passId},${effects.containerOf(app) ? 'container' : 'none'})`);
    if (ANSWERS_WHEN_TOLD.has(app)) {
      effects.set({ children: { ...effects.world.children, [app]: { ...child, owesCurrent: true } } });
    } else {
      effects.set({
        pending: effects.world.pending.filter((name) => name !== app),
        answered: [...effects.world.answered, app],
      });
    }
  }
  effects.settleCollecting();
}

export function stepSupervisorWorld(world: SupervisorWorld, event: SupervisorWorldEvent): Outcome {
  const effects = new Effects(world);
  const phase = world.phase;
  if (phase === 'unborn') {
    if (event.type !== 'BOOT') throw new Error(`${event.type} before the supervisor exists`);
    onBoot(effects, event.holdGate);
    return { world: effects.world, expect: effects.expect };
  }
  if (phase === 'stopped') throw new Error(`${event.type} after the supervisor stopped`);
  switch (event.type) {
    case 'BOOT':
      throw new Error('BOOT twice');
    case 'RECOVER.OK':
      effects.set({ adopted: true, phase: 'recovering.adopted' });
      if (!world.holdGate || world.released) effects.openGate('recovered');
      break;
    case 'RECOVER.FAIL':
      effects.notice('recoveryFailed');
      effects.set({ phase: 'recovering.retrying' });
      break;
    case 'TIME.RETRY':
      effects.expect.recoverCalls += 1;
      effects.set({ phase: 'recovering.adopting', now: world.now + RECOVER_RETRY_MS });
      break;
    case 'TIME.GATE_CAP':
      // A retry due before the cap runs first; its recovery call is then abandoned.
      if (phase === 'recovering.retrying') effects.expect.recoverCalls += 1;
      effects.set({ now: SUPERVISOR_START + GATE_CAP_MS });
      effects.openGate('cap');
      break;
    case 'TIME.PASS_TIMEOUT':
      effects.set({ now: world.now + PASS_TIMEOUT_MS });
      effects.finishPass();
      break;
    case 'RELEASE_GATE':
      if (inRecovery(phase)) {
        effects.set({ released: true });
        if (phase === 'recovering.adopted') effects.openGate('recovered');
      }
      break;
    case 'TICK':
      effects.queueOrObserve();
      break;
    case 'ENGINE.CONNECTED':
      if (event.reconnect) effects.notice('engineReconnected');
      effects.queueOrObserve();
      break;
    case 'ENGINE.CONTAINER':
      // An engine event is a hint: the looks actor looks at the container (recorded as told).
      if ((event.target === 'a' || event.target === 'o') && world.children[event.target])
        effects.tell(event.target, 'LOOK');
      break;
    case 'ENGINE.LOOKED':
      if (world.children[event.target]) effects.tell(event.target, 'LOOKED');
      break;
    case 'CHILD.LOOK_AGAIN':
      if (supervising(phase)) effects.tell(event.app, 'LOOK');
      break;
    case 'RESTART':
    case 'ROLLBACK':
      // Passed on to the app's machine; before the gate opens there is none, while draining it stops anyway.
      if (supervising(phase) && world.children.a) effects.tell('a', event.type);
      break;
    case 'OBSERVE.OK':
      onObserved(effects);
      break;
    case 'OBSERVE.FAIL':
      effects.set({ passSeq: world.passSeq + 1, phase: 'supervising.idle' });
      effects.notice(`pass:${world.passSeq + 1}::failed`);
      effects.settleIdle();
      break;
    case 'INSTALL':
      if (phase === 'draining') break;
      effects.set({
        declared: { ...world.declared, [event.app]: true },
        desired: { ...world.desired, [event.app]: 'running' },
      });
      if (supervising(phase)) {
        const child = world.children[event.app];
        if (child) {
          effects.tell(event.app, 'UPDATE_SPEC');
          effects.tell(event.app, 'SET_DESIRED(running)');
          // A machine told to run again keeps (or makes) its container instead of removing it.
          if (child.mode === 'uninstalling') {
            effects.set({ children: { ...effects.world.children, [event.app]: { ...child, mode: 'live' } } });
          }
        }
        effects.spawnDeclared();
        effects.queueOrObserve();
      }
      break;
    case 'UNINSTALL':
      if (phase === 'draining') break;
      effects.set({ declared: { ...world.declared, [event.app]: false } });
      if (supervising(phase) && world.children[event.app]) {
        effects.tell(event.app, 'SET_DESIRED(absent)');
        effects.leave(event.app, 'uninstalling');
        effects.settleCollecting();
      }
      break;
    case 'SET_DESIRED':
      if (phase === 'draining') break;
      effects.set({ desired: { ...world.desired, a: event.desired } });
      if (supervising(phase) && world.children.a) effects.tell('a', `SET_DESIRED(${event.desired})`);
      break;
    case 'SHUTDOWN':
      if (inRecovery(phase)) {
        effects.set({ phase: 'stopped' });
        break;
      }
      if (phase === 'draining') break;
      effects.set({ phase: 'draining' });
      for (const app of APP_NAMES) {
        if (!effects.world.children[app]) continue;
        effects.tell(app, 'SHUTDOWN');
        effects.leave(app, 'shutting-down');
      }
      effects.settleDraining();
      break;
    case 'CHILD.ANSWER': {
      const child = world.children.a!;
      // Answers to older passes are ignored; one to the pass in progress is recorded.
      effects.set({ children: { ...world.children, a: { ...child, owesCurrent: false, owesOlder: false } } });
      if (child.owesCurrent && phase === 'supervising.collecting') {
        effects.set({ pending: world.pending.filter((app) => app !== 'a'), answered: [...world.answered, 'a'] });
        effects.settleCollecting();
      }
      break;
    }
    case 'CHILD.FINISH':
      effects.forget(event.app);
      effects.settleCollecting();
      effects.settleDraining();
      break;
  }
  return { world: effects.world, expect: effects.expect };
}

export function describeSupervisorEvent(event: SupervisorWorldEvent): string {
  const { type, ...rest } = event;
  const args = Object.values(rest);
  return args.length ? `${type}(${args.join(', ')})` : type;
}

export const supervisorWorldModel: WorldModel<SupervisorWorld, SupervisorWorldEvent> = {
  initial: initialSupervisorWorld(),
  events: supervisorWorldEvents,
  next: (world, event) => stepSupervisorWorld(world, event).world,
  serialize: serializeSupervisorWorld,
};

/** The recovery gate alone: recovery answers and fails, retries, the cap, the embedder's release. */
export function inRecoveryGate(_world: SupervisorWorld, event: SupervisorWorldEvent): boolean {
  return ['BOOT', 'RECOVER.OK', 'RECOVER.FAIL', 'TIME.RETRY', 'TIME.GATE_CAP', 'RELEASE_GATE', 'SHUTDOWN'].includes(
    event.type,
  );
}

/** The pass loop: ticks when idle, list answers and failures, slow answers, pass timeouts, shutdown. */
export function inPassLoop(world: SupervisorWorld, event: SupervisorWorldEvent): boolean {
  switch (event.type) {
    case 'BOOT':
      return !event.holdGate;
    case 'TICK':
      return world.phase === 'supervising.idle';
    case 'RECOVER.OK':
    case 'OBSERVE.OK':
    case 'OBSERVE.FAIL':
    case 'CHILD.ANSWER':
    case 'TIME.PASS_TIMEOUT':
    case 'SHUTDOWN':
    case 'CHILD.FINISH':
      return true;
    default:
      return false;
  }
}
