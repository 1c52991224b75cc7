import { fromPromise, type PromiseActorLogic } from 'xstate';
import type { ContainerInput } from '../../machines/app.machine.js';
import type { ImageHealthcheckOutcome } from '../../machines/app-knowledge.js';
import type { StepCause } from '../../machines/step-cause.js';
import type { ExecutorStep } from '../../machines/step.js';
import type { RenderOutcome, StepOutcome } from '../../machines/types.js';
import { systemClock, type Clock } from '../domain/clock.js';
import type { EnginePort } from '../engine/port.js';
import type { Journal } from '../journal/journal.js';
import type { JournalStep } from '../journal/records.js';
import { createProbeActor } from './probes/probe-actor.js';
import { createNetworkTargets } from './probes/probe-target.js';
import {
  createStepExecutors,
  type Executor,
  type StepExecutorOptions,
  type StepInput,
  type StepTarget,
} from './step-executors.js';

export { CUT_SHORT_RENDER_REASON } from './step-executors.js';

export interface AppEffectOptions extends StepExecutorOptions {
  /** Intent journal: each step is recorded before it acts, and its outcome after. */
  journal?: Pick<Journal, 'append'>;
  /** Dates journal records and step outcomes, and runs the probes' intervals; default the system clock. */
  clock?: Clock;
}

/** The app machine's name (its `invoke.src`) for the executor of each step. */
export const ACTOR_OF = {
  pull: 'pullImage',
  create: 'createContainer',
  render: 'renderFiles',
  start: 'startContainer',
  stop: 'stopContainer',
  remove: 'removeContainer',
} as const satisfies Record<ExecutorStep, string>;

/**
 * The effect actors the app machine invokes: the executor of each step (step-executors.ts),
 * all wrapped once in the intent journal here, plus the probes and the read of an image's
 * health check, which are not steps. Each step reports when it began and finished so the
 * machine can tell stale observations from fresh ones.
 */
export function createAppEffects(engine: EnginePort, options: AppEffectOptions) {
  const log = options.logger;
  const clock = options.clock ?? systemClock;
  const journal = options.journal;
  const NO_CAUSE: StepCause = { reason: '', trigger: 'unknown' };

  /**
   * The journal wrapper, the same for every step: the intent before the step acts (at once,
   * or when an executor without a `target` says it acts), the outcome after, and the log.
   */
  function step<TIn extends StepInput, TOut>(name: ExecutorStep, executor: Executor<TIn, TOut>) {
    return fromPromise<TOut & StepOutcome, TIn>(async ({ input }) => {
      const appId = input.spec.appId;
      let intent: number | undefined;
      let journalStep: JournalStep = name;
      let touched: StepTarget = {};
      const intend = async (target: StepTarget) => {
        const { step: named = name, cause = input.cause ?? NO_CAUSE, ...fields } = target;
        journalStep = named;
        touched = fields;
        intent = await journal?.append({
          type: 'intent',
          at: clock.now(),
          appId,
          step: journalStep,
          ...touched,
          cause,
        });
      };
      const outcome = (ok: boolean, extra: { containerId?: string; error?: string }) =>
        intent === undefined
          ? undefined
          : journal?.append({ type: 'outcome', at: clock.now(), appId, step: journalStep, intent, ok, ...extra });
      // A step without a target says whether it acts; until then it is quiet.
      const announced = executor.target !== undefined;
      if (executor.target) await intend(executor.target(input));
      const begun = clock.now();
      if (announced) log.debug({ app: appId, step: name }, `${name} begins`);
      try {
        const result = await executor.run(input, intend);
        const id = (result as { id?: unknown }).id;
        await outcome(
          true,
          typeof id === 'string'
            ? { containerId: id }
            : touched.containerId
              ? { containerId: touched.containerId }
              : {},
        );
        if (announced) log.info({ app: appId, step: name, ms: clock.now() - begun }, `${name} done`);
        return { ...result, begunAt: begun, at: clock.now() };
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        await outcome(false, { error: message });
        log.warn({ app: appId, step: name, err: message }, `${name} failed`);
        throw error;
      }
    });
  }

  const executors = createStepExecutors(engine, options);
  return {
    [ACTOR_OF.pull]: step('pull', executors.pull),
    [ACTOR_OF.create]: step('create', executors.create),
    // The chart reads only whether a file changed; the dates every step gets do no harm.
    [ACTOR_OF.render]: step('render', executors.render) as PromiseActorLogic<RenderOutcome, StepInput>,
    [ACTOR_OF.start]: step('start', executors.start),
    [ACTOR_OF.stop]: step('stop', executors.stop),
    [ACTOR_OF.remove]: step('remove', executors.remove),
    runProbe: createProbeActor(engine, log, createNetworkTargets(engine), clock),
    // Not a step: a read, journalled by nobody. The pass list does not carry health checks,
    // so a container's own is read once by inspect when it runs.
    readImageHealthcheck: fromPromise<ImageHealthcheckOutcome, ContainerInput>(async ({ input }) => {
      const seen = await engine.inspect(input.containerId);
      return { containerId: input.containerId, ...(seen?.healthcheck ? { healthcheck: seen.healthcheck } : {}) };
    }),
  };
}
