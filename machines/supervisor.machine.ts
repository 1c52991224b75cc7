import { assign, emit, raise, sendTo } from 'xstate';
import { supervisorBehaviour } from './supervisor-actions.js';

export type {
  DeclaredApp,
  Snapshot,
  SupervisorContext,
  SupervisorEvent,
  SupervisorInput,
} from './supervisor-context.js';

/**
 * The root: holds the recovery gate, owns one app machine per installed app and one per
 * companion of it (plus one per orphan container to prune), runs reconcile passes on ticks,
 * looks at a container again when the engine reports events about it (the look goes to the
 * machine it concerns), and binds children to what they need
 * (binding.ts): dependents and companions wait until their app is ready, and an app's
 * container is removed only after its companions are gone. Pure: listing, looking, ticking and
 * the event stream are invoked actors.
 */
export const supervisorMachine = supervisorBehaviour.createMachine({
  id: 'supervisor',
  context: ({ input }) => ({
    apps: input.apps,
    refused: input.refused,
    refs: {},
    ready: {},
    holding: {},
    companionBackend: input.companionBackend ?? 'container',
    backoff: input.backoff,
    holdGateForEmbedder: input.holdGateForEmbedder,
    embedderReleased: false,
    gateCapMs: input.gateCapMs,
    recoverRetryMs: input.recoverRetryMs,
    passTimeoutMs: input.passTimeoutMs,
    now: input.now,
    adopted: undefined,
    recoveryError: undefined,
    passSeq: 0,
    pass: undefined,
    passQueued: false,
  }),
  initial: 'recovering',
  // Children announce their state changes in every state of the supervisor (while draining too).
  on: {
    'APP.STATE_CHANGED': { actions: 'relayTransition' },
  },
  states: {
    /**
     * The recovery gate: nothing acts until podwarden has adopted what the engine runs and
     * the embedding daemon (if it asked to) has finished its own recovery, or the cap ran out.
     */
    recovering: {
      after: {
        gateCap: { target: 'supervising', actions: emit({ type: 'gateOpened', reason: 'cap' }) },
      },
      on: {
        SHUTDOWN: 'stopped',
        RELEASE_GATE: { actions: 'releaseGate' },
        INSTALL: { actions: 'rememberApp' },
        UNINSTALL: { actions: 'rememberApp' },
        SET_DESIRED: { actions: 'rememberApp' },
      },
      initial: 'adopting',
      states: {
        /** One list call: what the engine runs that podwarden owns. */
        adopting: {
          invoke: {
            src: 'recover',
            onDone: { target: 'adopted', actions: assign(({ event }) => ({ adopted: event.output })) },
            onError: {
              target: 'retrying',
              actions: [
                assign(({ event }) => ({
                  recoveryError: event.error instanceof Error ? event.error.message : String(event.error),
                })),
                emit(({ context }) => ({ type: 'recoveryFailed' as const, error: context.recoveryError ?? 'unknown' })),
              ],
            },
          },
        },
        /** The engine did not answer; try again shortly (the gate's cap still counts). */
        retrying: {
          after: { recoverRetry: 'adopting' },
        },
        /** Recovery is done; waiting for the embedding daemon to release the gate, if it holds it. */
        adopted: {
          always: {
            guard: 'embedderReleased',
            target: '#supervisor.supervising',
            actions: emit({ type: 'gateOpened', reason: 'recovered' }),
          },
        },
      },
    },
    /** The gate is open: one machine per app, passes on every tick, a look at once after every engine event. */
    supervising: {
      entry: 'spawnDeclared',
      invoke: [
        { src: 'ticks', id: 'ticks' },
        { src: 'engineEvents', id: 'engineEvents' },
        { src: 'looks', id: 'looks' },
        { src: 'lister', id: 'lister' },
      ],
      on: {
        SHUTDOWN: 'draining',
        'ENGINE.CONTAINER': { actions: 'lookAfterEvent' },
        'ENGINE.LOOKED': { actions: 'routeLook' },
        'APP.LOOK_AGAIN': { actions: 'lookForChild' },
        INSTALL: {
          actions: ['rememberApp', 'applyToChild', 'spawnDeclared', 'applyBindings', raise({ type: 'TICK' })],
        },
        UNINSTALL: { actions: ['rememberApp', 'applyToChild', 'applyBindings'] },
        SET_DESIRED: { actions: ['rememberApp', 'applyToChild'] },
        RESTART: { actions: 'forwardToChild' },
        ROLLBACK: { actions: 'forwardToChild' },
        'APP.FINISHED': { actions: ['forgetChild', 'releaseAppRemoval', 'applyBindings'] },
        'APP.READINESS': { actions: ['noteReadiness', 'applyBindings'] },
      },
      initial: 'idle',
      states: {
        /** Between passes. */
        idle: {
          always: { guard: 'passQueued', target: 'listing', actions: 'clearQueuedPass' },
          on: {
            TICK: { target: 'listing', actions: 'clearQueuedPass' },
            // Whatever changed before the stream was listening is only seen by a pass: one
            // follows every (re)connection, so no change falls between the list and the stream.
            'ENGINE.CONNECTED': { target: 'listing', actions: ['clearQueuedPass', 'announceReconnect'] },
          },
        },
        /** One list call sees every container podwarden owns. */
        listing: {
          entry: sendTo('lister', { type: 'LIST' }),
          on: {
            'ENGINE.LISTED': { target: 'collecting', actions: ['spawnOrphans', 'beginPass', 'sendObservations'] },
            'ENGINE.LIST_FAILED': { target: 'idle', actions: 'reportFailedPass' },
            TICK: { actions: 'queuePass' },
            'ENGINE.CONNECTED': { actions: ['queuePass', 'announceReconnect'] },
          },
        },
        /** Every app answers the observation with what it does about it; then the report is out. */
        collecting: {
          always: { guard: 'passComplete', target: 'idle', actions: 'finishPass' },
          after: { passTimeout: { target: 'idle', actions: 'finishPass' } },
          on: {
            'APP.PASS_ENTRY': { actions: 'recordEntry' },
            TICK: { actions: 'queuePass' },
            'ENGINE.CONNECTED': { actions: ['queuePass', 'announceReconnect'] },
          },
        },
      },
    },
    /** Stop: every app finishes the step it is in (a pull is never cut), then podwarden exits. */
    draining: {
      entry: 'shutdownChildren',
      always: { guard: 'noChildren', target: 'stopped' },
      on: {
        'APP.FINISHED': { actions: 'forgetChild' },
      },
    },
    /** podwarden has stopped; the containers keep running. */
    stopped: { type: 'final' },
  },
});
