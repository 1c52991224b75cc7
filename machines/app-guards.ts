import {
  decisionAfter,
  imageHealthcheckUnread,
  probeGivesUp,
  probeOf,
  probePasses,
  stepError,
} from './app-knowledge.js';
import { isFreshObservation, isOwnFreshEvent } from './app-freshness.js';
import { appSetup } from './app-setup.js';
import { isStep, nextStep, restartsInPlace, tableStep, type StepQuery } from './step.js';
import type { ProbeRole } from './failure.js';
import type { RenderOutcome } from './types.js';

/**
 * The app machine's guards: every question its chart asks, answered from what the machine
 * knows (app-knowledge.ts, app-freshness.ts) and the step an app takes next (step.ts).
 */
export const appGuarded = appSetup.extend({
  guards: {
    halting: ({ context }) => context.halting,
    wantsRunning: ({ context }) => context.desired === 'running',
    /** The step the app takes next (step.ts `nextStep`) is the one asked for. */
    decides: ({ context }, params: StepQuery) => isStep(nextStep(context), params),
    dependenciesReady: ({ event }) => event.type === 'DEPENDENCIES' && event.waitingFor.length === 0,
    isStopped: ({ context }) => context.desired === 'stopped',
    isRemoved: ({ context }) => context.desired === 'absent',
    ownEvent: ({ context, event }) => event.type === 'CONTAINER_EVENT' && isOwnFreshEvent(context, event.event),
    desiredChanges: ({ context, event }) => event.type === 'SET_DESIRED' && event.desired !== context.desired,
    specChanges: ({ context, event }) =>
      event.type === 'UPDATE_SPEC' &&
      (event.spec.specHash !== context.spec.specHash ||
        JSON.stringify(event.spec.probes) !== JSON.stringify(context.spec.probes) ||
        event.spec.imageHealthcheck !== context.spec.imageHealthcheck),
    /** A render that rewrote a file the running container has already read. */
    filesChanged: (_, params: { output: RenderOutcome }) => params.output.changed,
    diedDuringStart: ({ context }) => context.diedDuringStart,
    /** An event about our container that leaves it crashed, unhealthy or without its process. */
    eventMeansFailure: ({ context, event }) =>
      event.type === 'CONTAINER_EVENT' &&
      isOwnFreshEvent(context, event.event) &&
      decisionAfter(context, event.event).failed,
    /** An event about our container after which the decision table asks for something. */
    eventNeedsAction: ({ context, event }) =>
      event.type === 'CONTAINER_EVENT' &&
      isOwnFreshEvent(context, event.event) &&
      decisionAfter(context, event.event).step !== 'none',
    /** A pass that looked after everything the machine knows, and saw the container crashed or broken. */
    observationMeansFailure: ({ context, event }) =>
      event.type === 'OBSERVED' &&
      isFreshObservation(context, event.observedAt) &&
      tableStep(context.desired, event.container, context.spec).failed,
    /** A pass that looked after everything the machine knows, after which the decision table asks for something. */
    observationNeedsAction: ({ context, event }) =>
      event.type === 'OBSERVED' &&
      isFreshObservation(context, event.observedAt) &&
      tableStep(context.desired, event.container, context.spec).step !== 'none',
    /** A pass that looked after the last step's answer and the newest event applied: older ones are only answered. */
    freshObservation: ({ context, event }) =>
      event.type === 'OBSERVED' && isFreshObservation(context, event.observedAt),
    vanished: (_, params: { error: unknown }) => stepError(params.error).code === 'not-found',
    /** One more restart would exceed the restart budget. */
    budgetSpent: ({ context }) => {
      const budget = context.backoff.budget;
      return budget !== undefined && context.restartsInWindow > budget.restarts;
    },
    /** A probe condemned the container and it still runs: replace it before anything else. */
    condemned: ({ context }) => nextStep(context).condemned === true,
    /**
     * A probe condemned the container and the manifest asks for a restart in place rather than a
     * new container (the default, also for an image's HEALTHCHECK when no probes are declared).
     */
    restartsInPlace: ({ context }) => context.condemned && restartsInPlace(context.spec),
    /** The name this app's create failed on (held by a foreign container) is free now. */
    nameFreed: ({ context, event }) =>
      event.type === 'NAME.FREED' && context.failure?.kind === 'name-taken' && context.failure.name === event.name,
    ownExpiry: ({ context, event }) => event.type === 'BUDGET.EXPIRED' && event.epoch === context.budgetEpoch,
    declares: ({ context }, params: { role: ProbeRole }) => probeOf(context, params.role) !== undefined,
    imageHealthcheckUnread: ({ context }) => imageHealthcheckUnread(context),
    startupPasses: ({ context, event }) => probePasses(context, event, 'startup'),
    startupGivesUp: ({ context, event }) => probeGivesUp(context, event, 'startup'),
    livenessGivesUp: ({ context, event }) => probeGivesUp(context, event, 'liveness'),
    readinessPasses: ({ context, event }) => probePasses(context, event, 'readiness'),
    readinessGivesUp: ({ context, event }) => probeGivesUp(context, event, 'readiness'),
    resultOf: ({ event }, params: { role: ProbeRole }) => event.type === 'PROBE_RESULT' && event.role === params.role,
  },
});
