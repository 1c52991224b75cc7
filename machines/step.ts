import { decide, type DecisionSpec } from './decide.js';
import type { AppSpec, Desired, Observed } from './types.js';

/**
 * The steps one executor runs (src/effects/step-executors.ts), each journaled once: the unit a
 * decided step is made of, and what the states a step is under way in (STEP_STATES) name.
 */
export type ExecutorStep = 'pull' | 'create' | 'render' | 'start' | 'stop' | 'remove';

/**
 * The steps an app takes, in one vocabulary for the app machine's chart, its pass reports and
 * `podwarden plan`. `create` runs pull → create → render → start, `start` runs render → start
 * (the render is the start's pre-start hook), `restart` stops in place and then renders and
 * starts, `recreate` removes and then creates. `render` alone is what every pass does for an
 * app that runs as it should with rendered files (`passStep`). `pull` is never decided alone:
 * an image is only ever fetched on the way to a create, so it is an executor, not a decision.
 */
export type StepName = Exclude<ExecutorStep, 'pull'> | 'recreate' | 'restart' | 'wait' | 'none';

/** What a `wait` waits for. */
export type WaitCause = 'observation' | 'engine' | 'dependencies';

/** The step an app takes next, and why. */
export interface Step {
  step: StepName;
  /** Why, in words a person can read; shown in reports and transitions. */
  why: string;
  /** The container failed by itself (crash, lost process, unhealthy, a probe gave up): counts toward backoff. */
  failed: boolean;
  /** The failure is the engine's own health check's verdict (its HEALTHCHECK said unhealthy). */
  unhealthy?: true;
  /** For `wait`: what it waits for. */
  waitsFor?: WaitCause;
  /** For a `wait` on dependencies: those not ready. */
  waitingFor?: readonly string[];
  /** For `restart` and `recreate`: a probe condemned the running container (not the decision table). */
  condemned?: boolean;
}

/** What the step function reads of an app: its machine's context, or the same facts for `plan`. */
export interface StepFacts {
  desired: Desired;
  /** What is known of the container: undefined = not observed yet, null = none. */
  container: Observed | undefined;
  spec: DecisionSpec & Pick<Partial<AppSpec>, 'probes' | 'render'>;
  /** Dependencies (or a companion's app) not ready: they hold a create or (re)start. */
  waitingFor: readonly string[];
  /** A probe condemned the running container. */
  condemned: boolean;
}

/** Steps that would bring a container (back) up: a dependency that is not ready holds them. */
const HELD: ReadonlySet<StepName> = new Set(['create', 'start', 'recreate']);

/**
 * The last verdict of the decision table per spec object, so the questions a chart asks at one
 * point (several guards, then the action explaining the transition taken) read one verdict:
 * XState evaluates each guard on its own. Keyed by reference, so it is as pure as `decide`.
 */
const lastVerdict = new WeakMap<object, { desired: Desired; container: Observed; step: Step }>();

/** Pure: the decision table's verdict (decide.ts) on a container as a step. */
export function tableStep(desired: Desired, container: Observed, spec: DecisionSpec): Step {
  const last = lastVerdict.get(spec);
  if (last && last.desired === desired && last.container === container) return last.step;
  const { action, why, failed, unhealthy } = decide(desired, container, spec);
  const step: Step =
    action === 'wait'
      ? { step: action, why, failed, waitsFor: 'engine' }
      : { step: action, why, failed, ...(unhealthy ? { unhealthy } : {}) };
  lastVerdict.set(spec, { desired, container, step });
  return step;
}

/**
 * Pure: the decision table's verdict on what is known, made to wait while a dependency is not
 * ready (a running app never waits for one: it is not stopped or restarted because a dependency
 * failed). This is what a pass report says an app does.
 */
export function decidedStep(facts: Omit<StepFacts, 'condemned'>): Step {
  const verdict = tableStep(facts.desired, facts.container ?? null, facts.spec);
  if (facts.waitingFor.length === 0 || !HELD.has(verdict.step)) return verdict;
  return {
    step: 'wait',
    why: `waiting for ${facts.waitingFor.join(', ')}`,
    failed: false,
    waitsFor: 'dependencies',
    waitingFor: facts.waitingFor,
  };
}

/** A condemned container is restarted in place unless the manifest asks for a new one (the default, also for an image's HEALTHCHECK). */
export function restartsInPlace(spec: StepFacts['spec']): boolean {
  return (spec.probes?.onLivenessFailure ?? 'restart') === 'restart';
}

/**
 * Pure: THE step an app takes next from what is known, as the app machine's `deciding` state
 * takes it (and `plan` reports it): nothing before a first observation, a probe's verdict
 * before the decision table, then the table's verdict, made to wait by dependencies.
 */
export function nextStep(facts: StepFacts): Step {
  if (facts.container === undefined) {
    return { step: 'wait', why: 'not observed yet', failed: false, waitsFor: 'observation' };
  }
  if (facts.condemned && facts.desired === 'running' && facts.container?.status === 'running') {
    const step = restartsInPlace(facts.spec) ? 'restart' : 'recreate';
    return { step, why: 'a probe gave up on the container', failed: true, condemned: true };
  }
  return decidedStep(facts);
}

/** Whether a machine's state value (or its top-level name) is `running`, whichever region it is in. */
function isRunning(state: unknown): boolean {
  return state === 'running' || (typeof state === 'object' && state !== null && 'running' in state);
}

/**
 * Pure: what a pass does for an app whose machine is in `state` (its value or top-level name): the
 * step it takes next, or, for an app running as it should that has rendered files, the render
 * every pass makes (a file is written only when its content changed, and a change restarts the
 * app). The pass report, `plan` and the running state's trigger of that render ask this alone.
 */
export function passStep(facts: StepFacts, state: unknown): Step {
  const step = nextStep(facts);
  if (step.step !== 'none' || !isRunning(state) || !facts.spec.render) return step;
  return { step: 'render', why: RENDER_ON_PASS, failed: false };
}

/** Why a running app's files are rendered on a pass. */
export const RENDER_ON_PASS =
  'runs with rendered files: a pass renders them again (a changed file is written, then the app restarts)';

/**
 * A step that changes nothing for sure: `none`, or the render every pass makes (it writes only
 * a file whose content changed, and journals and logs that itself). Logs and `plan`'s count of
 * changes leave these out, so a quiet node stays quiet.
 */
export function changesNothing(step: string): boolean {
  return step === 'none' || step === 'render';
}

/** A step as the guard `decides` asks for it: its name and, for a wait, what it waits for. */
export interface StepQuery {
  step: StepName;
  waitsFor?: WaitCause;
}

export function isStep(step: Step, query: StepQuery): boolean {
  return step.step === query.step && (query.waitsFor === undefined || step.waitsFor === query.waitsFor);
}

/**
 * The app machine's states in which a step is under way, and the step: a pass observation
 * there is only recorded (its report says `wait`, busy).
 */
export const STEP_STATES: Readonly<Record<string, ExecutorStep | StepName>> = {
  pulling: 'pull',
  creating: 'create',
  rendering: 'render',
  starting: 'start',
  restarting: 'restart',
  recreating: 'recreate',
  stopping: 'stop',
  removing: 'remove',
};
