import { imageHealthcheckUnread, probeGivesUp, probeOf, probePasses, stepError } from './app-knowledge.js';
import { isBelieved, isStaleOwnLook } from './app-freshness.js';
import { appSetup } from './app-setup.js';
import { isStep, nextStep, restartsInPlace, tableStep, type StepQuery } from './step.js';
import type { ProbeRole } from './failure.js';
import type { AppEvent, RenderOutcome } from './types.js';
import type { AppContext } from './app-knowledge.js';
import {
  bringsNewDigest,
  holdsNewContainer,
  isRejected,
  nextPrepareStep,
  restoresData,
  type PrepareStep,
} from './update.js';
import { LABELS } from '../src/domain/labels.js';

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
    desiredChanges: ({ context, event }) => event.type === 'SET_DESIRED' && event.desired !== context.desired,
    /** Not during an update: a manifest then waits for its end (`setSpec` stashes it). */
    specChanges: ({ context, event }) =>
      event.type === 'UPDATE_SPEC' &&
      context.update === undefined &&
      !refused(context, event) &&
      (event.spec.specHash !== context.spec.specHash ||
        JSON.stringify(event.spec.probes) !== JSON.stringify(context.spec.probes) ||
        event.spec.imageHealthcheck !== context.spec.imageHealthcheck),
    /**
     * A new version of an app that runs the current one: it is updated (fetched, snapshotted,
     * replaced, then on trial) rather than replaced plainly, so a bad version can go back.
     */
    startsUpdate: ({ context, event }) =>
      event.type === 'UPDATE_SPEC' &&
      event.spec.update !== undefined &&
      (event.spec.specHash !== context.spec.specHash || bringsNewDigest(context.spec, event.spec)) &&
      !refused(context, event) &&
      context.desired === 'running' &&
      context.container?.labels[LABELS.specHash] === context.spec.specHash,
    /** A manifest the last update rolled back: kept as offered, not run. */
    refusesSpec: ({ context, event }) => event.type === 'UPDATE_SPEC' && refused(context, event),
    prepares: ({ context }, params: { step: PrepareStep | 'handover' }) =>
      context.update !== undefined &&
      nextPrepareStep(context.update, context.container !== null && context.container !== undefined) === params.step,
    onTrial: ({ context }) => context.update?.phase === 'trial',
    rollsBack: ({ context }) => context.update?.phase === 'rolling-back',
    isReady: ({ context }) => context.ready,
    holdsNewContainer: ({ context }) =>
      context.update !== undefined && holdsNewContainer(context.update, context.container),
    restoresData: ({ context }) => context.update !== undefined && restoresData(context.update),
    /** The owner's rollback: there is a verified update to go back from, and none under way. */
    canRollBack: ({ context }) => context.update === undefined && context.lastUpdate?.result === 'updated',
    hasStashedSpec: ({ context }) => context.stashedSpec !== undefined,
    /** A render that rewrote a file the running container has already read. */
    filesChanged: (_, params: { output: RenderOutcome }) => params.output.changed,
    /** A believed observation (a pass, or a look at its container) that saw it crashed or broken. */
    observationMeansFailure: ({ context, event }) => observedStep(context, event)?.failed === true,
    /** A believed observation after which the decision table asks for something. */
    observationNeedsAction: ({ context, event }) => (observedStep(context, event)?.step ?? 'none') !== 'none',
    /** A pass, or a look at its container, asked of the engine at or after everything the machine knows (app-freshness.ts). */
    freshObservation: ({ context, event }) => isBelieved(context, event),
    /** A look at its container asked before what the machine knows now: it looks again. */
    staleOwnLook: ({ context, event }) => isStaleOwnLook(context, event),
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

/** A version the last update rolled back, not asked for again by the owner. */
function refused(context: AppContext, event: AppEvent): boolean {
  return event.type === 'UPDATE_SPEC' && !event.retry && isRejected(context.lastUpdate, event.spec);
}

/** What the decision table asks for after a believed observation; undefined for one that is not believed. */
function observedStep(context: AppContext, event: AppEvent) {
  if ((event.type !== 'OBSERVED' && event.type !== 'LOOKED') || !isBelieved(context, event)) return undefined;
  return tableStep(context.desired, event.container, context.spec);
}
