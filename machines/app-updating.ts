import { appBehaviour } from './app-actions.js';
import { containerStepInput, DURING_STEP } from './app-steps.js';
import { endedUpdate, handedOver } from './app-update-actions.js';
import { stepCause } from './step-cause.js';
import type { AppContext } from './app-knowledge.js';
import type { StepOutcome } from './types.js';
import { fetchedSpec, type SnapshotRef } from './update.js';

/**
 * The app machine's update states (app.machine.ts), in a file of their own: preparing a new
 * version while (or after, for stop-first) the old one runs, and going back to the old one.
 * The new version's trial runs in `running` (app-running.ts, its `trial` region).
 */

type Done = { event: { output: StepOutcome } };
type Failed = { event: { error: unknown } };

/** The owner's rollback of the last update, where the app rests (running, stopped, backing off, failed). */
export const OWNER_ROLLBACK = { guard: 'canRollBack', target: '#app.rollingBack', actions: 'ownerRollback' } as const;

/** During an update a step is never interrupted, and a manifest that comes waits for its end. */
const DURING_UPDATE = { ...DURING_STEP, UPDATE_SPEC: { actions: 'stashSpec' } } as const;

const recordOf = ({ context }: { context: AppContext }) => ({ record: context.update! });

/** A preparing step failed: nothing new ran; the old version comes back as it was (rolling back keeps its container). */
function abandoned(step: string) {
  return [
    { guard: 'halting', target: '#app.halted' },
    {
      target: '#app.rollingBack',
      actions: { type: 'abandonUpdate', params: ({ event }: Failed) => ({ step, error: event.error }) },
    },
  ] as const;
}

/** A step of a rollback that failed: it backs off, and `deciding` sends it back here (update.ts `rolling-back`). */
function rollbackStepFailed(step: string) {
  return [
    { guard: 'halting', target: '#app.halted' },
    {
      target: '#app.backoff',
      actions: { type: 'countStepFailure', params: ({ event }: Failed) => ({ step, error: event.error }) },
    },
  ] as const;
}

/**
 * Preparing an update, one step at a time in the order its strategy says (update.ts
 * `nextPrepareStep`), after the record is saved (each step is in the intent journal): fetch the new image, stop the
 * old version, copy its data, remove its container. Then the new version is made like any
 * (creating → rendering → starting → confirming → running) and is on trial.
 */
export const updatingState = appBehaviour.createStateConfig({
  entry: { type: 'announce', params: { state: 'updating' } },
  initial: 'recording',
  on: DURING_UPDATE,
  states: {
    /** The update's record is written before anything is done: a crash from here on is rolled back at boot. */
    recording: {
      invoke: {
        src: 'saveUpdate',
        input: recordOf,
        onDone: [
          { guard: 'halting', target: '#app.halted' },
          {
            target: 'next',
            actions: { type: 'stampUpdate', params: ({ event }: Done) => ({ outcome: event.output }) },
          },
        ],
        onError: abandoned('saving the update record'),
      },
    },
    /** Takes the next preparing step (update.ts `nextPrepareStep`), or hands over to the new version. */
    next: {
      always: [
        { guard: { type: 'prepares', params: { step: 'fetch' } }, target: 'fetching' },
        { guard: { type: 'prepares', params: { step: 'stop' } }, target: 'stoppingOld' },
        { guard: { type: 'prepares', params: { step: 'snapshot' } }, target: 'snapshotting' },
        { guard: { type: 'prepares', params: { step: 'replace' } }, target: 'replacing' },
        { target: 'handingOver' },
      ],
    },
    /**
     * The record says the new version is on trial before it is made: from here a crash is a
     * rollback of a version that may have run (`rolled-back`, not `abandoned`), snapshot or none.
     */
    handingOver: {
      invoke: {
        src: 'saveUpdate',
        input: ({ context }) => ({ record: handedOver(context.update!) }),
        onDone: [
          { guard: 'halting', target: '#app.halted' },
          { target: '#app.creating', actions: 'handOver' },
        ],
        onError: abandoned('saving the update record'),
      },
    },
    /** The new image, pulled or built, while (download-then-replace) the old version still serves. */
    fetching: {
      invoke: {
        src: 'pullImage',
        input: ({ context, event }) => ({ spec: fetchedSpec(context.update!), cause: stepCause(context, event) }),
        onDone: [
          { guard: 'halting', target: '#app.halted' },
          { target: 'next', actions: { type: 'prepared', params: { step: 'fetch' } } },
        ],
        onError: abandoned('fetching the new image'),
      },
    },
    /** The old version stops, so its data is at rest when copied. */
    stoppingOld: {
      invoke: {
        src: 'stopContainer',
        input: containerStepInput,
        onDone: [
          { guard: 'halting', target: '#app.halted' },
          {
            target: 'next',
            actions: [
              { type: 'stoppedByStep', params: ({ event }: Done) => ({ at: event.output.at }) },
              { type: 'prepared', params: { step: 'stop' } },
            ],
          },
        ],
        onError: abandoned('stopping the old version'),
      },
    },
    /** The data dir is copied and checked; without the snapshot it promised, the update does not go on. */
    snapshotting: {
      invoke: {
        src: 'snapshotData',
        input: recordOf,
        onDone: [
          { guard: 'halting', target: '#app.halted' },
          {
            target: 'next',
            actions: {
              type: 'noteSnapshot',
              params: ({ event }: { event: { output: SnapshotRef } }) => ({ snapshot: event.output }),
            },
          },
        ],
        onError: abandoned('the data snapshot'),
      },
    },
    /** The old container goes; its image stays, for a rollback. */
    replacing: {
      invoke: {
        src: 'removeContainer',
        input: containerStepInput,
        onDone: [
          { guard: 'halting', target: '#app.halted' },
          {
            target: 'next',
            actions: [
              'forgetContainer',
              { type: 'stepDone', params: ({ event }: Done) => ({ at: event.output.at }) },
              { type: 'prepared', params: { step: 'replace' } },
            ],
          },
        ],
        onError: abandoned('removing the old container'),
      },
    },
  },
});

/**
 * Going back to the version before the update: the new version's container goes (the old
 * one, if it still exists, stays), the data comes back from the snapshot when the new version
 * may have changed it, the record says how it ended, and the old version is made and started
 * like any. A step that fails backs off and comes back here (`deciding` sends it).
 */
export const rollingBackState = appBehaviour.createStateConfig({
  entry: { type: 'announce', params: { state: 'rollingBack' } },
  initial: 'noting',
  on: DURING_UPDATE,
  states: {
    /**
     * The rollback and its reason go on the record before its first step, so a crash during it
     * ends the same way after a restart. Not saved, it goes on all the same: a rollback is the
     * safe side, and the record on disk is rolled back at boot too.
     */
    noting: {
      invoke: {
        src: 'saveUpdate',
        input: recordOf,
        onDone: [{ guard: 'halting', target: '#app.halted' }, { target: 'next' }],
        onError: [{ guard: 'halting', target: '#app.halted' }, { target: 'next' }],
      },
    },
    /** Takes the next step back: remove the new container, restore the data, record the end. */
    next: {
      always: [
        { guard: 'holdsNewContainer', target: 'removingNew' },
        { guard: 'restoresData', target: 'restoring' },
        { target: 'recording' },
      ],
    },
    /** The new version's container goes (forced: it may still run). */
    removingNew: {
      invoke: {
        src: 'removeContainer',
        input: containerStepInput,
        onDone: [
          { guard: 'halting', target: '#app.halted' },
          {
            target: 'next',
            actions: ['forgetContainer', { type: 'stepDone', params: ({ event }: Done) => ({ at: event.output.at }) }],
          },
        ],
        onError: rollbackStepFailed('remove'),
      },
    },
    /** The snapshot goes back in place of the data dir (the old version stays down meanwhile). */
    restoring: {
      invoke: {
        src: 'restoreData',
        input: recordOf,
        onDone: [
          { guard: 'halting', target: '#app.halted' },
          { target: 'next', actions: 'markRestored' },
        ],
        onError: rollbackStepFailed('restore'),
      },
    },
    /** How it ended goes on the record; then the old version is what the app runs. */
    recording: {
      invoke: {
        src: 'saveUpdate',
        input: ({ context }) => ({ record: endedUpdate(context.update!) }),
        onDone: [
          {
            guard: 'halting',
            target: '#app.halted',
            actions: { type: 'finishUpdate', params: ({ event }: Done) => ({ outcome: event.output }) },
          },
          {
            target: '#app.deciding',
            actions: { type: 'finishUpdate', params: ({ event }: Done) => ({ outcome: event.output }) },
          },
        ],
        onError: rollbackStepFailed('saving the update record'),
      },
    },
  },
});
