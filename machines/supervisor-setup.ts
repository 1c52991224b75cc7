import { fromCallback, fromEventObservable, fromPromise, setup } from 'xstate';
import { appMachine } from './app.machine.js';
import { companionUnitMachine } from './companion-unit.machine.js';
import type {
  ListRequest,
  LookRequest,
  Snapshot,
  SupervisorContext,
  SupervisorEvent,
  SupervisorInput,
} from './supervisor-context.js';
import type { SupervisorNotice } from './types.js';

/**
 * What the supervisor machine is made of before its actions (supervisor-actions.ts extends
 * it): its types, the machines it spawns as children, the effects and streams it invokes
 * (src/ provides them with `supervisorMachine.provide({ actors })`), its clocks and its guards.
 */
export const supervisorSetup = setup({
  types: {
    context: {} as SupervisorContext,
    events: {} as SupervisorEvent,
    input: {} as SupervisorInput,
    emitted: {} as SupervisorNotice,
  },
  actors: {
    app: appMachine,
    companionUnit: companionUnitMachine,
    recover: fromPromise<Snapshot>(async () => {
      throw new Error('effect recover was not provided');
    }),
    /** Lists the engine on request and sends back ENGINE.LISTED (src/streams/lister.ts). */
    lister: fromCallback<ListRequest>(() => {
      throw new Error('effect lister was not provided');
    }),
    ticks: fromEventObservable<{ type: 'TICK' }, void>(() => {
      throw new Error('stream ticks was not provided');
    }),
    engineEvents: fromEventObservable<SupervisorEvent, void>(() => {
      throw new Error('stream engineEvents was not provided');
    }),
    /** Inspects containers on request and sends back ENGINE.LOOKED (src/streams/looks.ts). */
    looks: fromCallback<LookRequest>(() => {
      throw new Error('effect looks was not provided');
    }),
  },
  delays: {
    gateCap: ({ context }) => context.gateCapMs,
    recoverRetry: ({ context }) => context.recoverRetryMs,
    passTimeout: ({ context }) => context.passTimeoutMs,
  },
  guards: {
    embedderReleased: ({ context }) => !context.holdGateForEmbedder || context.embedderReleased,
    passComplete: ({ context }) => (context.pass?.pending.length ?? 0) === 0,
    passQueued: ({ context }) => context.passQueued,
    noChildren: ({ context }) => Object.keys(context.refs).length === 0,
  },
});
