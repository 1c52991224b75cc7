import { fromPromise } from 'xstate';
import { containerId, type AppContext } from './app-knowledge.js';
import type { StepOutcome } from './types.js';

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
 * after it, and a pass observation is answered without being acted on.
 */
export const DURING_STEP = {
  SHUTDOWN: { actions: 'markHalting' },
  SET_DESIRED: { actions: 'setDesired' },
  UPDATE_SPEC: { actions: 'setSpec' },
  OBSERVED: { actions: 'reportBusy' },
} as const;

/** Removing a container, for a recreate as for an uninstall: afterwards there is none. */
export const REMOVE_CONTAINER = {
  src: 'removeContainer',
  input: ({ context }: { context: AppContext }) => ({ spec: context.spec, containerId: containerId(context) }),
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
  onError: [
    { guard: 'halting', target: 'halted' },
    {
      target: 'backoff',
      actions: {
        type: 'countStepFailure',
        params: ({ event }: { event: { error: unknown } }) => ({ step: 'remove', error: event.error }),
      },
    },
  ],
} as const;
