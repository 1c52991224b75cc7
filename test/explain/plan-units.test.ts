import { describe, expect, it } from 'vitest';
import type { ContainerObservation } from '../../src/domain/container-observation.js';
import { LABELS } from '../../src/domain/labels.js';
import { planPass } from '../../src/explain/plan.js';
import { unitPlan, type PlannedUnit } from '../../src/explain/plan-units.js';
import { FakeSystemd } from '../companions/fake-systemd.js';
import { startUnit } from '../companions/unit-harness.js';
import { until } from '../support/until.js';

// The `systemd` backend's companions are units, not containers podwarden runs: plan lists them
// with what their companion-unit machine does on the next pass, in its pass entries' actions.

function unit(state: string, more: Partial<PlannedUnit> = {}): PlannedUnit {
  return { key: 'lnd/ui', state, desired: 'running', waitingFor: [], reason: '', ...more };
}

describe('podwarden plan for companions under systemd', () => {
  it('says what the unit machine does on a pass, in each state it rests in', () => {
    expect(unitPlan(unit('not spawned'))).toMatchObject({
      action: 'create',
      change: expect.stringContaining('enable --now'),
    });
    expect(unitPlan(unit('not spawned', { waitingFor: ['lnd (not ready)'] }))).toMatchObject({
      action: 'wait',
      waitingFor: ['lnd (not ready)'],
      why: 'waiting for lnd (not ready)',
    });
    expect(unitPlan(unit('waiting', { waitingFor: ['lnd (not ready)'] })).action).toBe('wait');
    // Whether the file or the unit is off only a check finds out: plan says what is checked.
    expect(unitPlan(unit('active', { reason: 'active under systemd' }))).toMatchObject({
      action: 'none',
      change: expect.stringContaining('that the unit is active'),
      why: 'active under systemd',
    });
    const failure = 'unit podwarden-lnd-ui.service is not active';
    expect(unitPlan(unit('backoff', { reason: failure }))).toMatchObject({ action: 'restart', why: failure });
    expect(unitPlan(unit('stopped', { desired: 'stopped' })).action).toBe('none');
    expect(unitPlan(unit('active', { desired: 'stopped' }))).toMatchObject({
      action: 'stop',
      change: 'stop the unit (disable --now)',
    });
    expect(unitPlan(unit('active', { desired: 'absent' })).action).toBe('remove');
  });

  it('says a step is under way while a systemctl call or a file write runs, as the pass entry says busy', () => {
    for (const state of ['rendering', 'reloading', 'restarting', 'enabling', 'checking', 'probing', 'stopping']) {
      const planned = unitPlan(unit(state));
      expect(planned.action).toBe('wait');
      expect(planned.busy).toContain(state);
    }
  });

  it('lists a unit beside the apps, and never plans the removal of the container systemd runs for it', () => {
    const ofUnit: ContainerObservation = {
      id: 'ctr-ui',
      name: 'podwarden-lnd-ui',
      image: 'registry.local/ui:1',
      status: 'running',
      health: 'none',
      labels: { [LABELS.app]: 'lnd', [LABELS.role]: 'companion', [LABELS.companion]: 'ui' },
    };
    const plan = planPass([], {}, [ofUnit], [unit('active')]);
    expect(plan).toEqual([
      expect.objectContaining({
        appId: 'lnd',
        companion: 'ui',
        state: 'active',
        action: 'none',
        supervisedBy: 'systemd',
      }),
    ]);
  });

  it('plans what the unit machine then reports on the pass, wherever it rests', async () => {
    const cases = [
      { rests: 'active', input: {}, command: undefined },
      { rests: 'waiting', input: { waitingFor: ['lnd (not ready)'] }, command: undefined },
      { rests: 'stopped', input: {}, command: { type: 'SET_DESIRED', desired: 'stopped' } as const },
    ];
    for (const [i, c] of cases.entries()) {
      const run = startUnit(new FakeSystemd(), c.input);
      if (c.command) {
        await run.settle('active');
        run.send(c.command);
      }
      await run.settle(c.rests);
      const known = run.unit.getSnapshot().context;
      const planned = unitPlan({
        key: 'lnd/ui',
        state: c.rests,
        desired: known.desired,
        waitingFor: known.waitingFor,
        reason: known.reason,
      });
      run.send({ type: 'OBSERVED', passId: i + 1, observedAt: Date.now(), container: null });
      await until(
        () => `the pass entry of a unit in ${c.rests}`,
        () => run.received.some((m) => m.type === 'APP.PASS_ENTRY'),
        30_000,
        0,
      );
      const reported = run.received.find((m) => m.type === 'APP.PASS_ENTRY');
      expect(reported?.type === 'APP.PASS_ENTRY' && reported.entry.action, c.rests).toBe(planned.action);
      run.stop();
    }
  });
});
