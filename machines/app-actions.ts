import { assign, enqueueActions, sendParent } from 'xstate';
import {
  containerFailure,
  currentDecision,
  freshProbeStreaks,
  learnedImageProbe,
  nextStreak,
  passAnswer,
  probeFailure,
  stepError,
  waitingReason,
  type ImageHealthcheckOutcome,
} from './app-knowledge.js';
import { outsideKillFrom } from './app-freshness.js';
import { passStep } from './step.js';
import { killedBy } from './outside-kill.js';
import { appUpdating } from './app-update-actions.js';
import { isRejected, keptOnOldImage, withoutNewDigest } from './update.js';
import { classifyStepError, describeFailure, failureHeadline, nextQuickExits, type FailureReason } from './failure.js';

/**
 * The app machine's actions: how what it learns (observations, step answers, probe verdicts)
 * changes what it knows, how failures are counted against the backoff and the
 * restart budget, and what it tells its parent (pass answers, readiness, its end).
 */
export const appBehaviour = appUpdating.extend({
  actions: {
    /** Believe an observation (a pass's, or a look at the container): what it saw is what is known, as of then. */
    observe: assign(({ context, event }) => {
      if (event.type !== 'OBSERVED' && event.type !== 'LOOKED') return {};
      return {
        container: event.container,
        knownAsOf: Math.max(context.knownAsOf, event.observedAt),
        ...(event.type === 'LOOKED' ? { outsideKill: outsideKillFrom(context, event) } : {}),
      };
    }),
    /**
     * A look that came too late still says who ended the container, when its events are dated
     * after what the machine knows (the look asked for next carries no events).
     */
    noteOutsideKill: assign(({ context, event }) =>
      event.type === 'LOOKED' ? { outsideKill: outsideKillFrom(context, event) } : {},
    ),
    /**
     * Ask the supervisor to look at the container (again): a look came too late, or a start just
     * answered. The look is dated no earlier than what the machine knows, so a wall clock that
     * stepped back cannot make every look stale (and ask again forever).
     */
    lookAgain: enqueueActions(({ context, enqueue }) => {
      const containerId = context.container?.id;
      if (containerId !== undefined)
        enqueue.sendParent({ type: 'APP.LOOK_AGAIN', appId: context.appId, containerId, after: context.knownAsOf });
    }),
    setDesired: assign(({ event }) => (event.type === 'SET_DESIRED' ? { desired: event.desired } : {})),
    /**
     * A manifest that comes during an update (a step of its trial, a stop, a rollback backing
     * off) waits for the update's end, like one during preparing or the trial's run. A version
     * the last update rolled back is not taken unless the owner asks (`retry`).
     */
    setSpec: assign(({ context, event }) => {
      if (event.type !== 'UPDATE_SPEC') return {};
      if (context.update) return { stashedSpec: event.spec };
      if (!event.retry && isRejected(context.lastUpdate, event.spec)) return {};
      // A new digest is taken only as an update (app-guards.ts `startsUpdate`); the old image stays pinned after a failed one.
      return { spec: keptOnOldImage(context.lastUpdate, withoutNewDigest(event.spec)) };
    }),
    markHalting: assign({ halting: true }),
    setDependencies: assign(({ event }) => (event.type === 'DEPENDENCIES' ? { waitingFor: event.waitingFor } : {})),
    explainWait: assign(({ context }) => ({ reason: waitingReason(context) })),
    /** Readiness may have changed: the supervisor re-reads it (binding.ts `isAppReady`) and frees or holds dependents. */
    announceReadiness: sendParent(({ context }) => ({ type: 'APP.READINESS', appId: context.appId })),
    explain: assign(({ context }) => ({ reason: currentDecision(context).why })),
    explainRestart: assign({ reason: 'restarted by the owner' }),
    explainFailure: assign(({ context }) => ({
      reason: context.failure ? describeFailure(context.failure) : 'a probe failed',
    })),
    /**
     * The container failed: classify it. An exit soon after its start feeds the bad-config
     * streak, unless someone outside killed it (then the streak starts over: that run proves nothing).
     */
    countFailure: assign(({ context }) => {
      const container = context.container;
      const exited = container?.status === 'exited';
      const quickExits = !exited
        ? context.quickExits
        : killedBy(context, container)
          ? 0
          : nextQuickExits(context.quickExits, container.startedAt, container.finishedAt ?? context.knownAsOf);
      const failure = containerFailure({ ...context, quickExits });
      return {
        failures: context.failures + 1,
        quickExits,
        failure,
        reason: failureHeadline(failure) ?? currentDecision(context).why,
      };
    }),
    countStepFailure: assign(({ context }, params: { step: string; error: unknown }) => {
      const error = stepError(params.error);
      const failure = classifyStepError(params.step, error, context.spec.image.ref, context.spec.container.name);
      return { failures: context.failures + 1, failure, reason: `${params.step} failed: ${error.message}` };
    }),
    /** A probe gave up on the container: it is replaced (or restarted) after the backoff. */
    countProbeFailure: assign(({ context, event }) => {
      if (event.type !== 'PROBE_RESULT') return {};
      const probes = { ...context.probes, [event.role]: nextStreak(context, event) };
      const failure = probeFailure({ ...context, probes }, event.role);
      return { probes, failures: context.failures + 1, failure, condemned: true, reason: describeFailure(failure) };
    }),
    recordProbe: assign(({ context, event }) =>
      event.type === 'PROBE_RESULT' ? { probes: { ...context.probes, [event.role]: nextStreak(context, event) } } : {},
    ),
    /** Each restart after a failure spends one unit of the budget for one window. */
    spendRestart: enqueueActions(({ context, enqueue }) => {
      const budget = context.backoff.budget;
      if (!budget) return;
      enqueue.assign({ restartsInWindow: context.restartsInWindow + 1 });
      enqueue.raise({ type: 'BUDGET.EXPIRED', epoch: context.budgetEpoch }, { delay: budget.windowMs });
    }),
    giveUp: assign(({ context }) => {
      const budget = context.backoff.budget;
      const last: FailureReason = context.failure ?? { kind: 'step-failed', step: 'run', message: 'unknown' };
      const failure: FailureReason = {
        kind: 'restart-budget-spent',
        restarts: budget?.restarts ?? 0,
        windowMs: budget?.windowMs ?? 0,
        last: last.kind === 'restart-budget-spent' ? last.last : last,
      };
      return { failure, reason: describeFailure(failure) };
    }),
    expireRestart: assign(({ context }) => ({ restartsInWindow: Math.max(0, context.restartsInWindow - 1) })),
    /** The owner acted: a fresh budget and crash count; expiries of the old budget are ignored. */
    rearm: assign(({ context }) => ({
      failures: 0,
      failure: undefined,
      quickExits: 0,
      restartsInWindow: 0,
      budgetEpoch: context.budgetEpoch + 1,
    })),
    /** A new stay in running: probe verdicts start over. */
    freshRun: assign({ probes: freshProbeStreaks() }),
    absolve: assign({ condemned: false }),
    markReady: assign({ ready: true }),
    markUnready: assign({ ready: false }),
    forgetContainer: assign({ container: null }),
    resetFailures: assign({ failures: 0, failure: undefined, quickExits: 0 }),
    /** A step answered: what the machine knows of its container is known as of then. */
    stepDone: assign(({ context }, params: { at: number }) => ({ knownAsOf: Math.max(context.knownAsOf, params.at) })),
    /** What the container's own health check says, kept for this container only. */
    learnImageProbe: assign((_, params: { outcome: ImageHealthcheckOutcome }) => ({
      imageProbe: learnedImageProbe(params.outcome),
    })),
    /**
     * Only the pass's own observation asks for a render, so a busy engine event stream does not;
     * and only an app with rendered files renders on a pass: a quiet pass costs the others nothing.
     */
    checkRender: enqueueActions(({ context, enqueue }) => {
      if (passStep(context, 'running').step === 'render') enqueue.raise({ type: 'RENDER.CHECK' });
    }),
    /** Stopped by podwarden's own step (a restart, the owner's stop): exited, known as of the answer. */
    stoppedByStep: assign(({ context }, params: { at: number }) => ({
      container: context.container ? { ...context.container, status: 'exited' as const } : context.container,
      knownAsOf: Math.max(context.knownAsOf, params.at),
    })),
    /**
     * Entry of every state the machine rests in: a top-level state other than the one last
     * announced is a change, told to the supervisor to pass on (announce.ts).
     */
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
    /** Every pass observation gets exactly one answer, so the supervisor knows when a pass is over. */
    reportPass: sendParent(({ context, event, self }) => passAnswer(context, event, self.getSnapshot()?.value, false)),
    reportBusy: sendParent(({ context, event, self }) => passAnswer(context, event, self.getSnapshot()?.value, true)),
  },
});
