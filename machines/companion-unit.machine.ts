import { assign, enqueueActions, not, sendParent, setup } from 'xstate';
import type { AppInput } from './app-knowledge.js';
import { unprovided } from './app-steps.js';
import { backoffDelay } from './backoff.js';
import { describeFailure, failureFields, type FailureReason } from './failure.js';
import type { AppEvent, AppSpec, BackoffPolicy, Desired, PassEntry } from './types.js';

/**
 * A companion handed to systemd (the `systemd` backend): podwarden renders its unit, and
 * systemd runs it, restarts it and keeps it running even while podwarden is down. This
 * machine keeps the unit in the state the owner asked for, with the app machine's
 * vocabulary: rendering the unit → reloading → (re)starting → active · inactive → backoff ·
 * stopping → stopped · disabling → removing → unloading → removed · halted. Every pass
 * checks the unit file is as rendered and the unit is active, and repairs what is not.
 * Pure: every systemctl call and file write is an invoked effect (src/companions/systemd).
 */

export interface UnitContext {
  /** The companion's key, `<appId>/<companionId>`: the supervisor's name for it. */
  appId: string;
  spec: AppSpec;
  desired: Desired;
  waitingFor: string[];
  failures: number;
  /** The last failure, kept while backing off; `describeFailure` gives its text. */
  failure: FailureReason | undefined;
  reason: string;
  /** The top-level state last announced (announce.ts): null before the first. */
  announced: string | null;
  /** SHUTDOWN arrived during a step: it finishes, nothing follows. */
  halting: boolean;
  /** The pass whose check is under way, answered when the check is done. */
  checkingPass: number | undefined;
  backoff: BackoffPolicy;
}

export interface UnitStepInput {
  spec: AppSpec;
}

type UnitAction = 'none' | 'repair' | 'restart' | 'wait';

function unitEntry(context: UnitContext, state: string, action: UnitAction, busy: boolean) {
  const entry: PassEntry = {
    appId: context.appId,
    state,
    action,
    busy,
    ...(busy ? {} : failureFields(context.failure)),
  };
  return { type: 'APP.PASS_ENTRY' as const, entry };
}

/** A failure counts towards the backoff, and its sentence becomes the reason shown, as for apps. */
function countFailure(context: UnitContext, failure: FailureReason) {
  return { failures: context.failures + 1, failure, reason: describeFailure(failure) };
}

/** While a step runs it is never cut: commands only change what comes after it. */
const DURING_UNIT_STEP = {
  SHUTDOWN: { actions: 'markHalting' },
  SET_DESIRED: { actions: 'setDesired' },
  UPDATE_SPEC: { actions: 'setSpec' },
  OBSERVED: { actions: 'reportBusy' },
} as const;

/** Every unit step works from the companion's spec alone. */
const specInput = ({ context }: { context: UnitContext }) => ({ spec: context.spec });

/** One step of an uninstall: on to `next` while the owner still wants the companion gone. */
function uninstallStep(
  state: 'disabling' | 'removing' | 'unloading',
  src: 'disableUnit' | 'removeUnit' | 'reloadDaemon',
  next: 'removing' | 'unloading' | 'removed',
  step: string,
) {
  return {
    entry: { type: 'announce', params: { state } },
    on: DURING_UNIT_STEP,
    invoke: {
      src,
      input: specInput,
      onDone: [{ guard: 'halting', target: 'halted' }, { guard: 'isAbsent', target: next }, { target: 'deciding' }],
      onError: failedUnitStep(step),
    },
  } as const;
}

/** A failed step: after a shutdown nothing follows; otherwise it counts and backs off. */
function failedUnitStep(step: string) {
  return [
    { guard: 'halting', target: 'halted' },
    {
      target: 'backoff',
      actions: [
        {
          type: 'countStepFailure',
          params: ({ event }: { event: { error: unknown } }) => ({ step, error: event.error }),
        },
        'answerCheckFailed',
      ],
    },
  ] as const;
}

export const companionUnitMachine = setup({
  types: {
    context: {} as UnitContext,
    events: {} as AppEvent,
    input: {} as AppInput,
  },
  actors: {
    writeUnit: unprovided<{ changed: boolean }, UnitStepInput>('writeUnit'),
    reloadDaemon: unprovided<void, UnitStepInput>('reloadDaemon'),
    enableUnit: unprovided<void, UnitStepInput>('enableUnit'),
    restartUnit: unprovided<void, UnitStepInput>('restartUnit'),
    checkActive: unprovided<{ active: boolean }, UnitStepInput>('checkActive'),
    disableUnit: unprovided<void, UnitStepInput>('disableUnit'),
    removeUnit: unprovided<void, UnitStepInput>('removeUnit'),
  },
  delays: {
    backoff: ({ context }) => backoffDelay(context.failures, context.backoff),
  },
  guards: {
    halting: ({ context }) => context.halting,
    isAbsent: ({ context }) => context.desired === 'absent',
    isStopped: ({ context }) => context.desired === 'stopped',
    wantsRunning: ({ context }) => context.desired === 'running',
    mustWait: ({ context }) => context.waitingFor.length > 0,
    dependenciesReady: ({ event }) => event.type === 'DEPENDENCIES' && event.waitingFor.length === 0,
    desiredChanges: ({ context, event }) => event.type === 'SET_DESIRED' && event.desired !== context.desired,
    specChanges: ({ context, event }) => event.type === 'UPDATE_SPEC' && event.spec.specHash !== context.spec.specHash,
    fileChanged: ({ event }) => (event as unknown as { output: { changed: boolean } }).output.changed,
    unitActive: ({ event }) => (event as unknown as { output: { active: boolean } }).output.active,
  },
  actions: {
    setDesired: assign(({ event }) => (event.type === 'SET_DESIRED' ? { desired: event.desired } : {})),
    setSpec: assign(({ event }) => (event.type === 'UPDATE_SPEC' ? { spec: event.spec } : {})),
    setDependencies: assign(({ event }) => (event.type === 'DEPENDENCIES' ? { waitingFor: event.waitingFor } : {})),
    markHalting: assign({ halting: true }),
    explain: assign((_, params: { reason: string }) => ({ reason: params.reason })),
    explainWait: assign(({ context }) => ({ reason: `waiting for ${context.waitingFor.join(', ')}` })),
    rememberPass: assign(({ event }) => ({ checkingPass: event.type === 'OBSERVED' ? event.passId : undefined })),
    countInactive: assign(({ context }) => countFailure(context, { kind: 'unit-inactive' })),
    countStepFailure: assign(({ context }, params: { step: string; error: unknown }) =>
      countFailure(context, {
        kind: 'step-failed',
        step: params.step,
        message: params.error instanceof Error ? params.error.message : String(params.error),
      }),
    ),
    resetFailures: assign({ failures: 0, failure: undefined }),
    /** The check a pass asked for is done: answer it with what it found. */
    answerCheck: sendParent(({ context }, params: { action: UnitAction }) => ({
      ...unitEntry(context, 'active', params.action, false),
      passId: context.checkingPass ?? -1,
    })),
    /** A check that failed still owes its pass an answer. */
    answerCheckFailed: enqueueActions(({ context, enqueue }) => {
      if (context.checkingPass === undefined) return;
      enqueue.sendParent({ ...unitEntry(context, 'active', 'wait', false), passId: context.checkingPass });
    }),
    forgetPass: assign({ checkingPass: undefined }),
    reportPass: sendParent(({ context, event, self }, params: { action: UnitAction }) => ({
      ...unitEntry(context, String(self.getSnapshot()?.value), params.action, false),
      passId: event.type === 'OBSERVED' ? event.passId : -1,
    })),
    reportBusy: sendParent(({ context, event, self }) => ({
      ...unitEntry(context, String(self.getSnapshot()?.value), 'wait', true),
      passId: event.type === 'OBSERVED' ? event.passId : -1,
    })),
    /** Entry of every state the machine rests in: a change of top-level state is told to the parent (announce.ts). */
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
    announceFinished: sendParent(({ context }) => ({ type: 'APP.FINISHED', appId: context.appId })),
  },
}).createMachine({
  id: 'companionUnit',
  context: ({ input }) => ({
    appId: input.spec.appId,
    spec: input.spec,
    desired: input.desired,
    waitingFor: input.waitingFor ?? [],
    failures: 0,
    failure: undefined,
    reason: '',
    announced: null,
    halting: false,
    checkingPass: undefined,
    backoff: input.backoff,
  }),
  initial: 'deciding',
  on: {
    SHUTDOWN: { target: '.halted' },
    SET_DESIRED: { guard: 'desiredChanges', target: '.deciding', actions: 'setDesired' },
    UPDATE_SPEC: { guard: 'specChanges', target: '.deciding', actions: 'setSpec' },
    // Remembered; an active unit is not touched when its app fails.
    DEPENDENCIES: { actions: 'setDependencies' },
  },
  states: {
    /** Looks at what the owner wants; never rests here. */
    deciding: {
      always: [
        { guard: 'isAbsent', target: 'disabling', actions: { type: 'explain', params: { reason: 'uninstalled' } } },
        {
          guard: 'isStopped',
          target: 'stopping',
          actions: { type: 'explain', params: { reason: 'stopped by the owner' } },
        },
        { guard: 'mustWait', target: 'waiting', actions: 'explainWait' },
        { target: 'rendering', actions: { type: 'explain', params: { reason: 'installing the unit' } } },
      ],
    },
    /** Held until its app is ready; a unit systemd already runs keeps running. */
    waiting: {
      entry: { type: 'announce', params: { state: 'waiting' } },
      on: {
        DEPENDENCIES: [
          { guard: 'dependenciesReady', target: 'deciding', actions: 'setDependencies' },
          { actions: ['setDependencies', 'explainWait'] },
        ],
        OBSERVED: { actions: { type: 'reportPass', params: { action: 'wait' } } },
      },
    },
    /** Writing the unit file, only if its content changed. */
    rendering: {
      entry: { type: 'announce', params: { state: 'rendering' } },
      on: DURING_UNIT_STEP,
      invoke: {
        src: 'writeUnit',
        input: specInput,
        onDone: [
          { guard: 'halting', target: 'halted' },
          { guard: 'fileChanged', target: 'reloading' },
          { guard: 'wantsRunning', target: 'enabling' },
          { target: 'deciding' },
        ],
        onError: failedUnitStep('writing the unit'),
      },
    },
    /** systemd reads the changed unit file (daemon-reload). */
    reloading: {
      entry: { type: 'announce', params: { state: 'reloading' } },
      on: DURING_UNIT_STEP,
      invoke: {
        src: 'reloadDaemon',
        input: specInput,
        onDone: [
          { guard: 'halting', target: 'halted' },
          { guard: 'wantsRunning', target: 'restarting' },
          { target: 'deciding' },
        ],
        onError: failedUnitStep('daemon-reload'),
      },
    },
    /** The definition changed: (re)start the unit so it runs the new one. */
    restarting: {
      entry: { type: 'announce', params: { state: 'restarting' } },
      on: DURING_UNIT_STEP,
      invoke: {
        src: 'restartUnit',
        input: specInput,
        // The owner may have asked for something else meanwhile: that comes first.
        onDone: [
          { guard: 'halting', target: 'halted' },
          { guard: 'wantsRunning', target: 'active' },
          { target: 'deciding' },
        ],
        onError: failedUnitStep('restart'),
      },
    },
    /** The file is as it should be: make sure the unit is enabled and started (enable --now). */
    enabling: {
      entry: { type: 'announce', params: { state: 'enabling' } },
      on: DURING_UNIT_STEP,
      invoke: {
        src: 'enableUnit',
        input: specInput,
        onDone: [
          { guard: 'halting', target: 'halted' },
          { guard: 'wantsRunning', target: 'active' },
          { target: 'deciding' },
        ],
        onError: failedUnitStep('enable --now'),
      },
    },
    /** systemd runs the companion; each pass checks file and unit. */
    active: {
      entry: [
        { type: 'announce', params: { state: 'active' } },
        { type: 'explain', params: { reason: 'active under systemd' } },
        'resetFailures',
      ],
      on: {
        OBSERVED: { target: 'checking', actions: 'rememberPass' },
      },
    },
    /** The safety net, part 1: the unit file is still there and as rendered (rewritten if not). */
    checking: {
      entry: { type: 'announce', params: { state: 'checking' } },
      on: DURING_UNIT_STEP,
      invoke: {
        src: 'writeUnit',
        input: specInput,
        onDone: [
          { guard: 'halting', target: 'halted' },
          {
            guard: 'fileChanged',
            target: 'reloading',
            actions: [{ type: 'answerCheck', params: { action: 'repair' } }, 'forgetPass'],
          },
          { guard: 'wantsRunning', target: 'probing' },
          // Stopped or uninstalled during the check: the pass hears that work follows.
          { target: 'deciding', actions: [{ type: 'answerCheck', params: { action: 'wait' } }, 'forgetPass'] },
        ],
        onError: failedUnitStep('checking the unit file'),
      },
    },
    /** The safety net, part 2: the unit is active. */
    probing: {
      entry: { type: 'announce', params: { state: 'probing' } },
      on: DURING_UNIT_STEP,
      invoke: {
        src: 'checkActive',
        input: specInput,
        onDone: [
          { guard: 'halting', target: 'halted' },
          {
            guard: not('wantsRunning'),
            target: 'deciding',
            actions: [{ type: 'answerCheck', params: { action: 'wait' } }, 'forgetPass'],
          },
          {
            guard: 'unitActive',
            target: 'active',
            actions: [{ type: 'answerCheck', params: { action: 'none' } }, 'forgetPass'],
          },
          { target: 'inactive', actions: [{ type: 'answerCheck', params: { action: 'restart' } }, 'forgetPass'] },
        ],
        onError: failedUnitStep('is-active'),
      },
    },
    /** The unit stopped (someone stopped it, or systemd gave up): count it, back off, repair. */
    inactive: {
      always: { target: 'backoff', actions: 'countInactive' },
    },
    /** Waiting before the next attempt, longer after each consecutive failure. */
    backoff: {
      entry: [{ type: 'announce', params: { state: 'backoff' } }, 'forgetPass'],
      after: { backoff: { target: 'deciding' } },
      on: {
        OBSERVED: { actions: { type: 'reportPass', params: { action: 'restart' } } },
      },
    },
    /** The owner stopped the app: stop its companion's unit too (disable --now). */
    stopping: {
      entry: { type: 'announce', params: { state: 'stopping' } },
      on: DURING_UNIT_STEP,
      invoke: {
        src: 'disableUnit',
        input: specInput,
        onDone: [
          { guard: 'halting', target: 'halted' },
          { guard: 'isStopped', target: 'stopped' },
          { target: 'deciding' },
        ],
        onError: failedUnitStep('disable --now'),
      },
    },
    /** Stopped with its app. */
    stopped: {
      entry: { type: 'announce', params: { state: 'stopped' } },
      on: {
        OBSERVED: { actions: { type: 'reportPass', params: { action: 'none' } } },
      },
    },
    /** Uninstall, step 1: systemd must stop supervising it before anything is removed. */
    disabling: uninstallStep('disabling', 'disableUnit', 'removing', 'disable --now'),
    /** Uninstall, step 2: the unit file goes. */
    removing: uninstallStep('removing', 'removeUnit', 'unloading', 'removing the unit file'),
    /** Uninstall, step 3: systemd forgets the unit (daemon-reload). */
    unloading: uninstallStep('unloading', 'reloadDaemon', 'removed', 'daemon-reload'),
    /** The unit is gone: the supervisor forgets this machine (and may remove the app's container). */
    removed: { type: 'final', entry: [{ type: 'announce', params: { state: 'removed' } }, 'announceFinished'] },
    /** podwarden is shutting down; systemd keeps running the unit. */
    halted: { type: 'final', entry: [{ type: 'announce', params: { state: 'halted' } }, 'announceFinished'] },
  },
});
