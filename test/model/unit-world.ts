import { backoffDelay } from '../../machines/backoff.js';
import type { BackoffPolicy, Desired } from '../../machines/types.js';
import type { WorldModel } from './paths.js';

/**
 * An abstract, finite model of everything around one companion-unit machine (systemd's
 * answers, pass observations, the owner's commands, its app's readiness, time) and of where
 * the machine must be. Written from the machine's documented intent (the systemd backend in
 * the README), so a disagreement is a finding about one of the two.
 */

export type UnitPhase =
  | 'unborn'
  | 'waiting'
  | 'rendering'
  | 'reloading'
  | 'restarting'
  | 'enabling'
  | 'active'
  | 'checking'
  | 'probing'
  | 'backoff'
  | 'stopping'
  | 'stopped'
  | 'disabling'
  | 'removing'
  | 'unloading'
  | 'removed'
  | 'halted';

export type UnitEffect =
  'writeUnit' | 'reloadDaemon' | 'restartUnit' | 'enableUnit' | 'checkActive' | 'disableUnit' | 'removeUnit';

export const UNIT_STEP_EFFECTS: Partial<Record<UnitPhase, UnitEffect>> = {
  rendering: 'writeUnit',
  checking: 'writeUnit',
  reloading: 'reloadDaemon',
  unloading: 'reloadDaemon',
  restarting: 'restartUnit',
  enabling: 'enableUnit',
  probing: 'checkActive',
  stopping: 'disableUnit',
  disabling: 'disableUnit',
  removing: 'removeUnit',
};

/** What a step's success says: a write changed the file or not; is-active said yes or no. */
export type StepAnswer = 'changed' | 'unchanged' | 'active' | 'inactive' | 'done';

export type UnitWorldEvent =
  | { type: 'BOOT'; desired: Desired; blocked: boolean }
  | { type: 'STEP.OK'; answer: StepAnswer }
  | { type: 'STEP.FAIL' }
  | { type: 'OBSERVED' }
  | { type: 'SET_DESIRED'; desired: Desired }
  | { type: 'UPDATE_SPEC' }
  | { type: 'DEPENDENCIES'; ready: boolean }
  | { type: 'SHUTDOWN' }
  | { type: 'TIME.BACKOFF' }
  | { type: 'TIME.PASSES' };

export interface UnitWorld {
  phase: UnitPhase;
  desired: Desired;
  /** Its app is not ready. */
  blocked: boolean;
  /** SHUTDOWN arrived during a step. */
  halting: boolean;
  /** A pass's check is under way and owes that pass its answer. */
  owes: boolean;
  // Bookkeeping: never decides which transition is taken.
  failures: number;
  failure: boolean;
  specVersion: number;
  backoff: BackoffPolicy;
}

export interface UnitExpectation {
  passEntry?: { state: string; action: string; busy: boolean; failure: boolean };
  finished: boolean;
}

export const UNIT_BACKOFF: BackoffPolicy = { initialMs: 1_000, factor: 2, maxMs: 4_000, resetAfterMs: 60_000 };
export const UNIT_LONG_WHILE = UNIT_BACKOFF.maxMs + 1;

export function initialUnitWorld(): UnitWorld {
  return {
    phase: 'unborn',
    desired: 'running',
    blocked: false,
    halting: false,
    owes: false,
    failures: 0,
    failure: false,
    specVersion: 1,
    backoff: UNIT_BACKOFF,
  };
}

export function isUnitStep(phase: UnitPhase): boolean {
  return UNIT_STEP_EFFECTS[phase] !== undefined;
}

export function isUnitFinal(phase: UnitPhase): boolean {
  return phase === 'removed' || phase === 'halted';
}

export function unitBackoffDelay(world: UnitWorld): number {
  return backoffDelay(world.failures, world.backoff);
}

interface Outcome {
  world: UnitWorld;
  expect: UnitExpectation;
}

const quiet = (world: UnitWorld): Outcome => ({ world, expect: { finished: isUnitFinal(world.phase) } });

function enter(world: UnitWorld, phase: UnitPhase, extra: Partial<UnitWorld> = {}): Outcome {
  const next: UnitWorld = { ...world, ...extra, phase, halting: false };
  if (phase === 'active') {
    next.failures = 0;
    next.failure = false;
  }
  if (phase === 'backoff' || isUnitFinal(phase)) next.owes = false;
  return quiet(next);
}

/** The machine's `deciding`. */
function settle(world: UnitWorld): Outcome {
  if (world.desired === 'absent') return enter(world, 'disabling');
  if (world.desired === 'stopped') return enter(world, 'stopping');
  if (world.blocked) return enter(world, 'waiting');
  return enter(world, 'rendering');
}

function backOff(world: UnitWorld): Outcome {
  return enter(world, 'backoff', { failures: world.failures + 1, failure: true });
}

function answered(outcome: Outcome, action: string, failure = false): Outcome {
  return { ...outcome, expect: { ...outcome.expect, passEntry: { state: 'active', action, busy: false, failure } } };
}

function onStepOk(world: UnitWorld, answer: StepAnswer): Outcome {
  if (world.halting) return enter(world, 'halted');
  const running = world.desired === 'running';
  switch (world.phase) {
    case 'rendering':
      if (answer === 'changed') return enter(world, 'reloading');
      return running ? enter(world, 'enabling') : settle(world);
    case 'reloading':
      return running ? enter(world, 'restarting') : settle(world);
    case 'restarting':
    case 'enabling':
      // A stop or an uninstall that arrived during the step comes first.
      return running ? enter(world, 'active') : settle(world);
    case 'checking':
      if (answer === 'changed') return answered(enter(world, 'reloading', { owes: false }), 'repair');
      return running ? enter(world, 'probing') : answered(settle({ ...world, owes: false }), 'wait');
    case 'probing':
      if (!running) return answered(settle({ ...world, owes: false }), 'wait');
      if (answer === 'active') return answered(enter(world, 'active', { owes: false }), 'none');
      return answered(backOff({ ...world, owes: false }), 'restart');
    case 'stopping':
      return world.desired === 'stopped' ? enter(world, 'stopped') : settle(world);
    case 'disabling':
      return world.desired === 'absent' ? enter(world, 'removing') : settle(world);
    case 'removing':
      return world.desired === 'absent' ? enter(world, 'unloading') : settle(world);
    case 'unloading':
      return world.desired === 'absent' ? enter(world, 'removed') : settle(world);
    default:
      throw new Error(`no step runs in ${world.phase}`);
  }
}

function onStepFail(world: UnitWorld): Outcome {
  if (world.halting) return enter(world, 'halted');
  const outcome = backOff(world);
  // A failed check still answers the pass that asked for it (before the failure is counted).
  return world.owes ? answered(outcome, 'wait', true) : outcome;
}

const RESTING_ANSWERS: Partial<Record<UnitPhase, string>> = { waiting: 'wait', backoff: 'restart', stopped: 'none' };

export function stepUnitWorld(world: UnitWorld, event: UnitWorldEvent): Outcome {
  if (world.phase === 'unborn') {
    if (event.type !== 'BOOT') throw new Error(`${event.type} before the machine exists`);
    return settle({ ...world, desired: event.desired, blocked: event.blocked });
  }
  if (isUnitFinal(world.phase)) throw new Error(`${event.type} after the machine finished`);
  const inStep = isUnitStep(world.phase);
  switch (event.type) {
    case 'BOOT':
      throw new Error('BOOT twice');
    case 'STEP.OK':
      if (!inStep) throw new Error(`step answer in ${world.phase}`);
      return onStepOk(world, event.answer);
    case 'STEP.FAIL':
      if (!inStep) throw new Error(`step answer in ${world.phase}`);
      return onStepFail(world);
    case 'OBSERVED': {
      if (inStep)
        return {
          world,
          expect: { finished: false, passEntry: { state: world.phase, action: 'wait', busy: true, failure: false } },
        };
      if (world.phase === 'active') return enter(world, 'checking', { owes: true });
      const action = RESTING_ANSWERS[world.phase];
      if (!action) throw new Error(`no answer known in ${world.phase}`);
      return {
        world,
        expect: { finished: false, passEntry: { state: world.phase, action, busy: false, failure: world.failure } },
      };
    }
    case 'SET_DESIRED':
      if (inStep || event.desired === world.desired) return quiet({ ...world, desired: event.desired });
      return settle({ ...world, desired: event.desired });
    case 'UPDATE_SPEC': {
      const updated = { ...world, specVersion: world.specVersion + 1 };
      return inStep ? quiet(updated) : settle(updated);
    }
    case 'DEPENDENCIES':
      if (world.phase === 'waiting' && event.ready) return settle({ ...world, blocked: false });
      return quiet({ ...world, blocked: !event.ready });
    case 'SHUTDOWN':
      return inStep ? quiet({ ...world, halting: true }) : enter(world, 'halted');
    case 'TIME.BACKOFF':
      if (world.phase !== 'backoff') throw new Error(`no backoff timer in ${world.phase}`);
      return settle(world);
    case 'TIME.PASSES':
      return quiet(world);
  }
}

const STEP_ANSWERS: Partial<Record<UnitPhase, StepAnswer[]>> = {
  rendering: ['changed', 'unchanged'],
  checking: ['changed', 'unchanged'],
  probing: ['active', 'inactive'],
};

export function unitWorldEvents(world: UnitWorld): UnitWorldEvent[] {
  if (world.phase === 'unborn') {
    const boots: UnitWorldEvent[] = [];
    for (const desired of ['running', 'stopped', 'absent'] as const) {
      for (const blocked of [false, true]) boots.push({ type: 'BOOT', desired, blocked });
    }
    return boots;
  }
  if (isUnitFinal(world.phase)) return [];
  const events: UnitWorldEvent[] = [];
  if (isUnitStep(world.phase)) {
    for (const answer of STEP_ANSWERS[world.phase] ?? ['done']) events.push({ type: 'STEP.OK', answer });
    events.push({ type: 'STEP.FAIL' });
  }
  events.push({ type: 'OBSERVED' });
  for (const desired of ['running', 'stopped', 'absent'] as const) events.push({ type: 'SET_DESIRED', desired });
  events.push({ type: 'UPDATE_SPEC' }, { type: 'SHUTDOWN' });
  if (!world.blocked || world.phase === 'waiting') events.push({ type: 'DEPENDENCIES', ready: false });
  if (world.blocked) events.push({ type: 'DEPENDENCIES', ready: true });
  events.push(world.phase === 'backoff' ? { type: 'TIME.BACKOFF' } : { type: 'TIME.PASSES' });
  return events;
}

export function serializeUnitWorld(world: UnitWorld): string {
  if (isUnitFinal(world.phase)) return world.phase;
  return [
    world.phase,
    world.desired,
    world.blocked ? 'blocked' : '',
    world.halting ? 'halting' : '',
    world.owes ? 'owes' : '',
    world.failure ? 'failed' : '',
  ].join('|');
}

export function describeUnitEvent(event: UnitWorldEvent): string {
  switch (event.type) {
    case 'BOOT':
      return `BOOT(${event.desired}${event.blocked ? ', blocked' : ''})`;
    case 'STEP.OK':
      return `STEP.OK(${event.answer})`;
    case 'SET_DESIRED':
      return `SET_DESIRED(${event.desired})`;
    case 'DEPENDENCIES':
      return `DEPENDENCIES(${event.ready ? 'ready' : 'not ready'})`;
    default:
      return event.type;
  }
}

export const unitWorldModel: WorldModel<UnitWorld, UnitWorldEvent> = {
  initial: initialUnitWorld(),
  events: unitWorldEvents,
  next: (world, event) => stepUnitWorld(world, event).world,
  serialize: serializeUnitWorld,
};
