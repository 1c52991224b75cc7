import { describe, expect, it } from 'vitest';
import { transition } from 'xstate';
import { appMachine } from '../../machines/app.machine.js';
import { initialContext } from '../../machines/app-knowledge.js';
import { passStep, RENDER_ON_PASS, STEP_STATES, type StepName } from '../../machines/step.js';
import { DEFAULT_BACKOFF, type AppSpec, type Desired } from '../../machines/types.js';
import type { ContainerObservation } from '../../src/domain/container-observation.js';
import { planPass } from '../../src/explain/plan.js';
import { APP_ID, APP_LABEL, SPEC_HASH_LABEL } from '../model/app-world.js';
import { specFor } from '../model/app-rig.js';

// `plan` and the app machine take the next step by one function (machines/step.ts): for each
// case, the machine is put where a decision is next (failed, then RETRY), and the state its
// `deciding` leads to must be the step `plan` names for the same facts.

const SPEC = specFor(1);

/** Without a supervisor: what the machine tells its parent goes nowhere. */
const app = appMachine.provide({ actions: { announceReadiness: () => undefined, announce: () => undefined } });

function container(status: ContainerObservation['status'], extra: Partial<ContainerObservation> = {}) {
  return {
    id: 'ctr-1',
    name: `podwarden-${APP_ID}`,
    image: SPEC.image.ref,
    status,
    health: 'none',
    labels: { [APP_LABEL]: APP_ID, [SPEC_HASH_LABEL]: SPEC.specHash },
    ...extra,
  } satisfies ContainerObservation;
}

/** The step the machine took, read off the state `deciding` led it to (before any effect answered). */
function stepOfState(state: string): StepName {
  const decided: Record<string, StepName> = {
    pulling: 'create',
    rendering: 'start',
    waiting: 'wait',
    observing: 'wait',
    running: 'none',
    stopped: 'none',
    removed: 'none',
  };
  const step = decided[state] ?? (STEP_STATES[state] as StepName | undefined);
  if (!step) throw new Error(`no step for state ${state}`);
  return step;
}

interface Case {
  name: string;
  desired: Desired;
  container: ContainerObservation | null;
  waitingFor?: string[];
  condemned?: boolean;
  spec?: AppSpec;
  step: StepName;
}

const WITH_RECREATE: AppSpec = { ...SPEC, probes: { onLivenessFailure: 'recreate' } };

const CASES: Case[] = [
  { name: 'no container', desired: 'running', container: null, step: 'create' },
  { name: 'no container, dependency not ready', desired: 'running', container: null, waitingFor: ['db'], step: 'wait' },
  { name: 'exited: rendered, then started', desired: 'running', container: container('exited'), step: 'start' },
  {
    name: 'exited, dependencies not ready',
    desired: 'running',
    container: container('exited'),
    waitingFor: ['db', 'cache'],
    step: 'wait',
  },
  { name: 'running', desired: 'running', container: container('running'), step: 'none' },
  {
    name: 'running is never held by a dependency',
    desired: 'running',
    container: container('running'),
    waitingFor: ['db'],
    step: 'none',
  },
  {
    name: 'a probe condemned it: restarted in place',
    desired: 'running',
    container: container('running'),
    condemned: true,
    step: 'restart',
  },
  {
    name: 'a probe condemned it, the manifest asks for a new one',
    desired: 'running',
    container: container('running'),
    condemned: true,
    spec: WITH_RECREATE,
    step: 'recreate',
  },
  { name: 'paused behind its back', desired: 'running', container: container('paused'), step: 'recreate' },
  { name: 'engine restarting it', desired: 'running', container: container('restarting'), step: 'wait' },
  { name: 'stopped by the owner', desired: 'stopped', container: container('running'), step: 'stop' },
  { name: 'uninstalled', desired: 'absent', container: container('exited'), step: 'remove' },
  {
    name: 'uninstalled, dependency not ready: no hold on a removal',
    desired: 'absent',
    container: container('exited'),
    waitingFor: ['db'],
    step: 'remove',
  },
];

describe('podwarden plan and the app machine take the same step', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const spec = c.spec ?? SPEC;
      const waitingFor = c.waitingFor ?? [];
      const condemned = c.condemned ?? false;
      const base = initialContext({ spec, desired: c.desired, observation: c.container, backoff: DEFAULT_BACKOFF });
      const failed = app.resolveState({
        value: 'failed',
        context: { ...base, appId: APP_ID, waitingFor, condemned },
      });
      const [next] = transition(app, failed, { type: 'RETRY' });
      const state = typeof next.value === 'string' ? next.value : Object.keys(next.value)[0]!;

      const [entry] = planPass(
        [{ key: APP_ID, state: 'failed', desired: c.desired, spec, waitingFor, condemned }],
        {},
        c.container ? [c.container] : [],
      );
      expect(stepOfState(state)).toBe(c.step);
      expect(entry!.action).toBe(c.step);
      if (!condemned) expect(entry!.why).toBe(next.context.reason);
      if (waitingFor.length > 0 && c.step === 'wait') {
        expect(entry!.waitingFor).toEqual(waitingFor);
        expect(entry!.why).toBe(`waiting for ${waitingFor.join(', ')}`);
      }
    });
  }

  it('plans the render every pass makes for a running app with rendered files, as its pass report says', () => {
    const running = container('running');
    const plan = (state: string, spec: AppSpec) =>
      planPass([{ key: APP_ID, state, desired: 'running', spec, waitingFor: [], condemned: false }], {}, [running])[0]!;
    expect(SPEC.render).toBeDefined();
    expect(plan('running', SPEC)).toMatchObject({ action: 'render', why: RENDER_ON_PASS });
    expect(plan('running', SPEC).change).toContain('render the files again');
    // Without rendered files, or outside `running` (a pass renders nothing in backoff), nothing.
    const { render: _render, ...withoutFiles } = SPEC;
    expect(plan('running', withoutFiles).action).toBe('none');
    expect(plan('backoff', SPEC).action).toBe('none');

    // The machine's pass answer for the same facts names the same step.
    const base = initialContext({ spec: SPEC, desired: 'running', observation: running, backoff: DEFAULT_BACKOFF });
    expect(passStep({ ...base, waitingFor: [] }, { running: { config: 'idle' } }).step).toBe('render');
  });

  it('says a step is under way in every state the machine only records a pass in', () => {
    for (const state of Object.keys(STEP_STATES)) {
      const [entry] = planPass(
        [{ key: APP_ID, state, desired: 'running', spec: SPEC, waitingFor: [], condemned: false }],
        {},
        [],
      );
      expect(entry!.busy).toContain(state);
    }
  });
});
