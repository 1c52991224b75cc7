import { fromPromise } from 'xstate';
import { containerId, type AppContext } from './app-knowledge.js';
import { stepCause } from './step-cause.js';
import type { AppEvent, StepOutcome } from './types.js';

/**
 * Placeholders: the machine names the effects it needs; src/effects provides the real
 * ones with `appMachine.provide({ actors })`. Calling a placeholder is a wiring bug.
 */
export function unprovided<TOut, TIn>(name: string) {
  return fromPromise<TOut, TIn>(async () => {
    throw new Error(`effect ${name} was not provided`);
  });
}

/**
 * While a step runs it is never interrupted: SHUTDOWN and commands only change what comes
 * after it, a pass observation is answered without being acted on, and a look is dropped (the
 * step's answer says more; after a start the machine looks once more anyway).
 */
export const DURING_STEP = {
  SHUTDOWN: { actions: 'markHalting' },
  SET_DESIRED: { actions: 'setDesired' },
  UPDATE_SPEC: { actions: 'setSpec' },
  OBSERVED: { actions: 'reportBusy' },
} as const;

type ErrorEvent = { event: { error: unknown } };

/**
 * A step that failed: after a shutdown nothing follows it; a new version on trial is rolled
 * back (update.ts); otherwise it counts and backs off.
 */
export function failedStep(step: string) {
  return [
    { guard: 'halting', target: 'halted' },
    {
      guard: 'onTrial',
      target: 'rollingBack',
      actions: [
        { type: 'countStepFailure', params: ({ event }: ErrorEvent) => ({ step, error: event.error }) },
        'judgeUpdate',
      ],
    },
    {
      target: 'backoff',
      actions: { type: 'countStepFailure', params: ({ event }: ErrorEvent) => ({ step, error: event.error }) },
    },
  ] as const;
}

/**
 * A step on an existing container that failed: if the container vanished under it (removed
 * behind podwarden's back) that is no failure, just something to decide about afresh.
 */
export function failedContainerStep(step: string) {
  const [halting, trial, backoff] = failedStep(step);
  return [
    halting,
    trial,
    {
      guard: { type: 'vanished', params: ({ event }: ErrorEvent) => ({ error: event.error }) },
      target: 'deciding',
      actions: 'forgetContainer',
    },
    backoff,
  ] as const;
}

/** What a step on the app's container (stop, remove) is given: the container and why. */
export function containerStepInput({ context, event }: { context: AppContext; event: AppEvent }) {
  return { spec: context.spec, containerId: containerId(context), cause: stepCause(context, event) };
}

/** Removing a container, for a recreate as for an uninstall: afterwards there is none. */
export const REMOVE_CONTAINER = {
  src: 'removeContainer',
  input: containerStepInput,
  onDone: [
    { guard: 'halting', target: 'halted', actions: 'forgetContainer' },
    {
      target: 'deciding',
      actions: [
        'forgetContainer',
        { type: 'stepDone', params: ({ event }: { event: { output: StepOutcome } }) => ({ at: event.output.at }) },
      ],
    },
  ],
  onError: failedStep('remove'),
} as const;
