import { assign } from 'xstate';
import { containerId, createdContainer, initialContext, runAgain } from './app-knowledge.js';
import { appBehaviour } from './app-actions.js';
import { runningState } from './app-running.js';
import { OWNER_ROLLBACK, rollingBackState, updatingState } from './app-updating.js';
import { containerStepInput, DURING_STEP, failedContainerStep, failedStep, REMOVE_CONTAINER } from './app-steps.js';
import { stepCause } from './step-cause.js';

export type { AppContext, AppInput, ContainerInput, CreateOutcome, PullOutcome } from './app-knowledge.js';

/**
 * One app's container lifecycle. Pure: every engine call is an invoked effect actor, every
 * observation arrives as an event. The states a person sees:
 * observing · waiting · missing → pulling → creating → rendering → starting → confirming → running ·
 * wedged → recreating | restarting · crashed → backoff | failed · stopping → stopped ·
 * removing → removed · halted. While running, podwarden's own probes (startup, then liveness
 * and readiness) are invoked actors whose verdicts arrive as PROBE_RESULT events; the machine
 * counts them. Only declared probes get an actor; without a declared liveness probe the
 * container's own health check (its image's HEALTHCHECK, read once by inspect) is one. A rendered file that changed, or a liveness failure the manifest answers with
 * a restart, goes through `restarting`.
 */
export const appMachine = appBehaviour.createMachine({
  id: 'app',
  context: ({ input }) => initialContext(input),
  initial: 'deciding',
  // Commands are accepted in every state; where a step is under way they only change
  // what happens after it (see DURING_STEP).
  on: {
    SHUTDOWN: { target: '.halted' },
    // Only a real change re-decides: repeating a command (an install of an installed app) must
    // neither skip a backoff nor restart the stable-period clock.
    SET_DESIRED: { guard: 'desiredChanges', target: '.deciding', actions: 'setDesired' },
    // A manifest change that leaves the container as it is (rendered files, image policy) is
    // taken as it comes: the next render or pull uses it, nothing is re-decided.
    UPDATE_SPEC: [{ guard: 'specChanges', target: '.deciding', actions: 'setSpec' }, { actions: 'setSpec' }],
    // Only remembered: a running app is not touched when a dependency fails, and a step under
    // way finishes; the next decision heeds it.
    DEPENDENCIES: { actions: 'setDependencies' },
    'BUDGET.EXPIRED': { guard: 'ownExpiry', actions: 'expireRestart' },
  },
  states: {
    /**
     * Takes the step that comes next (step.ts `nextStep`: what is known of the container, what the
     * owner wants, a probe's verdict, dependency holds); never rests here.
     */
    deciding: {
      always: [
        { guard: { type: 'decides', params: { step: 'wait', waitsFor: 'observation' } }, target: 'observing' },
        // An update's rollback left off (a failed step, or a podwarden that stopped mid-update) goes on first.
        { guard: 'rollsBack', target: 'rollingBack' },
        { guard: 'condemned', target: 'wedged', actions: 'explainFailure' },
        { guard: { type: 'decides', params: { step: 'remove' } }, target: 'removing', actions: 'explain' },
        { guard: { type: 'decides', params: { step: 'stop' } }, target: 'stopping', actions: 'explain' },
        {
          guard: { type: 'decides', params: { step: 'wait', waitsFor: 'dependencies' } },
          target: 'waiting',
          actions: 'explainWait',
        },
        { guard: { type: 'decides', params: { step: 'create' } }, target: 'missing', actions: 'explain' },
        { guard: { type: 'decides', params: { step: 'start' } }, target: 'rendering', actions: 'explain' },
        // Replaced for what the decision table sees, not for a probe's verdict: made anew.
        { guard: { type: 'decides', params: { step: 'recreate' } }, target: 'wedged', actions: ['explain', 'absolve'] },
        {
          guard: { type: 'decides', params: { step: 'wait', waitsFor: 'engine' } },
          target: 'observing',
          actions: 'explain',
        },
        { guard: 'isRemoved', target: 'removed', actions: 'explain' },
        { guard: 'isStopped', target: 'stopped', actions: 'explain' },
        { target: 'running', actions: 'explain' },
      ],
    },
    /** Nothing to act on yet: no observation, or the engine is mid-way (restarting/removing). */
    observing: {
      entry: { type: 'announce', params: { state: 'observing' } },
      on: {
        OBSERVED: [
          { guard: 'freshObservation', target: 'deciding', actions: ['observe', 'reportPass'] },
          { actions: 'reportPass' },
        ],
        LOOKED: [
          { guard: 'freshObservation', target: 'deciding', actions: 'observe' },
          { guard: 'staleOwnLook', actions: ['noteOutsideKill', 'lookAgain'] },
        ],
      },
    },
    /**
     * Held until its dependencies are ready (for a companion: its app): it would be created or
     * (re)started, but lnd is not started while bitcoind is not ready. No failure is counted
     * and no backoff runs; it goes on the moment the supervisor says they are ready.
     */
    waiting: {
      entry: { type: 'announce', params: { state: 'waiting' } },
      on: {
        DEPENDENCIES: [
          { guard: 'dependenciesReady', target: 'deciding', actions: 'setDependencies' },
          { actions: ['setDependencies', 'explainWait'] },
        ],
        OBSERVED: [
          { guard: 'freshObservation', target: 'deciding', actions: ['observe', 'reportPass'] },
          { actions: 'reportPass' },
        ],
        LOOKED: [
          { guard: 'freshObservation', target: 'deciding', actions: 'observe' },
          { guard: 'staleOwnLook', actions: ['noteOutsideKill', 'lookAgain'] },
        ],
      },
    },
    /** No container: the next steps make one. */
    missing: {
      always: { target: 'pulling' },
    },
    /** Making the image present: built, pulled or found, as the pull policy says. */
    pulling: {
      entry: { type: 'announce', params: { state: 'pulling' } },
      on: DURING_STEP,
      invoke: {
        src: 'pullImage',
        input: ({ context, event }) => ({ spec: context.spec, cause: stepCause(context, event) }),
        onDone: [
          { guard: 'halting', target: 'halted' },
          {
            // A manifest that changed during the pull may name another image: pull that first.
            guard: ({ context, event }) => context.desired === 'running' && event.output.ref === context.spec.image.ref,
            target: 'creating',
            actions: { type: 'stepDone', params: ({ event }) => ({ at: event.output.at }) },
          },
          { target: 'deciding' },
        ],
        onError: failedStep('pull'),
      },
    },
    /** Creating the container from the manifest (adopts its own container if a retry finds it). */
    creating: {
      entry: { type: 'announce', params: { state: 'creating' } },
      on: DURING_STEP,
      invoke: {
        src: 'createContainer',
        input: ({ context, event }) => ({ spec: context.spec, cause: stepCause(context, event) }),
        onDone: [
          {
            guard: 'halting',
            target: 'halted',
            actions: assign(({ context, event }) => ({
              container: createdContainer(context, event.output),
              // A probe's verdict was about the container it judged, not this new one.
              condemned: false,
            })),
          },
          {
            guard: 'wantsRunning',
            target: 'rendering',
            actions: assign(({ context, event }) => ({
              container: createdContainer(context, event.output),
              condemned: false,
              knownAsOf: Math.max(context.knownAsOf, event.output.at),
            })),
          },
          {
            target: 'deciding',
            actions: assign(({ context, event }) => ({
              container: createdContainer(context, event.output),
              condemned: false,
              knownAsOf: Math.max(context.knownAsOf, event.output.at),
            })),
          },
        ],
        onError: failedStep('create'),
      },
    },
    /**
     * The pre-start hook: the app's files are rendered from their templates and values, so
     * every start (the first, after a crash, after a restart) runs with the current config.
     * A render that fails starts nothing: no container runs with a stale or half-written config.
     */
    rendering: {
      // The render is the start's pre-start hook: the start it leads to has the cause that led here.
      // A start is decided: an earlier probe's verdict was about the run before it.
      entry: [
        { type: 'announce', params: { state: 'rendering' } },
        assign({ startCause: ({ context, event }) => stepCause(context, event), condemned: false }),
      ],
      on: DURING_STEP,
      invoke: {
        src: 'renderFiles',
        input: ({ context }) => ({ spec: context.spec, ...(context.startCause ? { cause: context.startCause } : {}) }),
        onDone: [
          { guard: 'halting', target: 'halted' },
          { guard: 'wantsRunning', target: 'starting' },
          { target: 'deciding' },
        ],
        onError: failedStep('render'),
      },
    },
    /**
     * Starting the container. Its answer says the run began, not that it still runs: the
     * machine confirms it with a look first.
     */
    starting: {
      entry: { type: 'announce', params: { state: 'starting' } },
      on: DURING_STEP,
      invoke: {
        src: 'startContainer',
        input: ({ context, event }) => ({
          spec: context.spec,
          containerId: containerId(context),
          cause: context.startCause ?? stepCause(context, event),
        }),
        onDone: [
          { guard: 'halting', target: 'halted' },
          {
            target: 'confirming',
            actions: [
              assign(({ context, event }) => ({
                container: context.container
                  ? { ...runAgain(context.container), startedAt: event.output.begunAt }
                  : context.container,
                knownAsOf: Math.max(context.knownAsOf, event.output.at),
              })),
              'lookAgain',
            ],
          },
        ],
        onError: failedContainerStep('start'),
      },
    },
    /**
     * A start answered: the machine looks at the container once more before it believes it
     * runs, so a container that died at once counts as a crash, never as running or ready.
     */
    confirming: {
      entry: { type: 'announce', params: { state: 'confirming' } },
      on: {
        OBSERVED: [
          { guard: 'observationMeansFailure', target: 'crashed', actions: ['observe', 'reportPass', 'countFailure'] },
          { guard: 'freshObservation', target: 'deciding', actions: ['observe', 'reportPass'] },
          { actions: 'reportPass' },
        ],
        LOOKED: [
          { guard: 'observationMeansFailure', target: 'crashed', actions: ['observe', 'countFailure'] },
          { guard: 'freshObservation', target: 'deciding', actions: 'observe' },
          { guard: 'staleOwnLook', actions: ['noteOutsideKill', 'lookAgain'] },
        ],
      },
    },
    /**
     * The container runs as the manifest says; looks and passes are checked against the
     * decision table, and podwarden's probes against the container.
     */
    running: runningState,
    /**
     * Stopped here, then rendered and started like any start: a rendered file changed while
     * the app ran (podwarden's own doing: no crash, no backoff), or a failing liveness probe
     * asked for a restart in place (counted as a failure on the way in).
     */
    restarting: {
      entry: { type: 'announce', params: { state: 'restarting' } },
      on: DURING_STEP,
      invoke: {
        src: 'stopContainer',
        input: containerStepInput,
        onDone: [
          { guard: 'halting', target: 'halted' },
          {
            guard: 'wantsRunning',
            target: 'rendering',
            actions: { type: 'stoppedByStep', params: ({ event }) => ({ at: event.output.at }) },
          },
          {
            target: 'deciding',
            actions: { type: 'stoppedByStep', params: ({ event }) => ({ at: event.output.at }) },
          },
        ],
        onError: failedContainerStep('stop'),
      },
    },
    /** The container failed by itself (counted on the way in): spend a restart, then back off, or give up. */
    crashed: {
      entry: 'spendRestart',
      always: [
        // A new version that fails its trial is not retried: the old one comes back.
        { guard: 'onTrial', target: 'rollingBack', actions: 'judgeUpdate' },
        { guard: 'budgetSpent', target: 'failed', actions: 'giveUp' },
        { target: 'backoff' },
      ],
    },
    /**
     * The restart budget is spent: podwarden stops trying and keeps the reason until the owner
     * acts (install, start) or the manifest changes.
     */
    failed: {
      entry: { type: 'announce', params: { state: 'failed' } },
      on: {
        ROLLBACK: OWNER_ROLLBACK,
        RETRY: { target: 'deciding', actions: 'rearm' },
        RESTART: { target: 'deciding', actions: 'rearm' },
        UPDATE_SPEC: { guard: 'specChanges', target: 'deciding', actions: ['setSpec', 'rearm'] },
        OBSERVED: [{ guard: 'freshObservation', actions: ['observe', 'reportPass'] }, { actions: 'reportPass' }],
        LOOKED: [
          { guard: 'freshObservation', actions: 'observe' },
          { guard: 'staleOwnLook', actions: ['noteOutsideKill', 'lookAgain'] },
        ],
      },
    },
    /** Waiting before the next attempt, longer after each consecutive failure (or until a name a foreign container held is free). */
    backoff: {
      entry: { type: 'announce', params: { state: 'backoff' } },
      after: { backoff: { target: 'deciding' } },
      on: {
        RESTART: { target: 'deciding' },
        ROLLBACK: OWNER_ROLLBACK,
        'NAME.FREED': { guard: 'nameFreed', target: 'deciding' },
        OBSERVED: [{ guard: 'freshObservation', actions: ['observe', 'reportPass'] }, { actions: 'reportPass' }],
        LOOKED: [
          { guard: 'freshObservation', actions: 'observe' },
          { guard: 'staleOwnLook', actions: ['noteOutsideKill', 'lookAgain'] },
        ],
      },
    },
    /** The container exists but cannot become a healthy running one as it is. */
    wedged: {
      always: [
        { guard: 'onTrial', target: 'rollingBack', actions: 'judgeUpdate' },
        { guard: 'restartsInPlace', target: 'restarting', actions: 'absolve' },
        { target: 'recreating', actions: 'absolve' },
      ],
    },
    /** Removing the wedged container so a fresh one can be made. */
    recreating: {
      entry: { type: 'announce', params: { state: 'recreating' } },
      on: DURING_STEP,
      invoke: REMOVE_CONTAINER,
    },
    /** Preparing a new version: fetched, the old one stopped, its data copied, its container removed (app-updating.ts). */
    updating: updatingState,
    /** Back to the version before an update, its data from the snapshot (app-updating.ts). */
    rollingBack: rollingBackState,
    /** Stopping the container because the owner stopped the app. */
    stopping: {
      entry: { type: 'announce', params: { state: 'stopping' } },
      on: DURING_STEP,
      invoke: {
        src: 'stopContainer',
        input: containerStepInput,
        onDone: [
          { guard: 'halting', target: 'halted' },
          {
            target: 'deciding',
            actions: { type: 'stoppedByStep', params: ({ event }) => ({ at: event.output.at }) },
          },
        ],
        onError: failedContainerStep('stop'),
      },
    },
    /** The owner stopped the app: podwarden keeps it stopped, even if someone starts it by hand. */
    stopped: {
      entry: { type: 'announce', params: { state: 'stopped' } },
      on: {
        ROLLBACK: OWNER_ROLLBACK,
        OBSERVED: [
          { guard: 'observationNeedsAction', target: 'deciding', actions: ['observe', 'reportPass'] },
          { guard: 'freshObservation', actions: ['observe', 'reportPass'] },
          { actions: 'reportPass' },
        ],
        LOOKED: [
          { guard: 'observationNeedsAction', target: 'deciding', actions: 'observe' },
          { guard: 'freshObservation', actions: 'observe' },
          { guard: 'staleOwnLook', actions: ['noteOutsideKill', 'lookAgain'] },
        ],
      },
    },
    /** Removing the container of an uninstalled app (or an orphan podwarden owns). */
    removing: {
      entry: { type: 'announce', params: { state: 'removing' } },
      on: DURING_STEP,
      invoke: REMOVE_CONTAINER,
    },
    /** Uninstalled and its container is gone: the supervisor forgets this machine. */
    removed: { type: 'final', entry: [{ type: 'announce', params: { state: 'removed' } }, 'announceFinished'] },
    /** podwarden is shutting down; containers are left as they are. */
    halted: { type: 'final', entry: [{ type: 'announce', params: { state: 'halted' } }, 'announceFinished'] },
  },
});
