import { describe, expect, it } from 'vitest';
import { FakeSystemd } from './fake-systemd.js';
import { until } from '../support/until.js';
import { companionSpec, startUnit } from './unit-harness.js';

const FILE = 'podwarden-lnd-bridge.service';
const UNIT = 'podwarden-lnd-bridge.service';
let passId = 0;
const observed = () => ({ type: 'OBSERVED' as const, passId: ++passId, observedAt: Date.now(), container: null });

describe('a companion handed to systemd: the order of systemctl calls', () => {
  it('install: write the unit, daemon-reload, then (re)start it', async () => {
    const systemd = new FakeSystemd();
    const run = startUnit(systemd);
    await run.settle('active');
    expect(systemd.calls).toEqual([`write ${FILE}`, 'daemon-reload', `restart ${UNIT}`]);
    expect(systemd.active.has(UNIT) && systemd.enabled.has(UNIT)).toBe(true);
    run.stop();
  });

  it('reconcile: an unchanged unit is not written and not reloaded, only checked', async () => {
    const systemd = new FakeSystemd();
    const run = startUnit(systemd);
    await run.settle('active');
    systemd.calls.length = 0;
    run.send(observed());
    await run.settle('active');
    run.send(observed());
    await run.settle('active');
    expect(systemd.calls).toEqual([
      `write ${FILE} (unchanged)`,
      `is-active ${UNIT}`,
      `write ${FILE} (unchanged)`,
      `is-active ${UNIT}`,
    ]);
    expect(run.received.map((m) => m.type === 'APP.PASS_ENTRY' && m.entry.action)).toEqual(['none', 'none']);
    run.stop();
  });

  it('reconcile: a deleted unit file is rewritten, reloaded and restarted within the pass, which reports the repair', async () => {
    const systemd = new FakeSystemd();
    const run = startUnit(systemd);
    await run.settle('active');
    systemd.deleteFileBehindBack(FILE);
    systemd.calls.length = 0;
    run.send(observed());
    await run.settle('active');
    expect(systemd.calls).toEqual([`write ${FILE}`, 'daemon-reload', `restart ${UNIT}`]);
    expect(run.received).toMatchObject([{ type: 'APP.PASS_ENTRY', entry: { appId: 'lnd/ui', action: 'repair' } }]);
    run.stop();
  });

  it('reconcile: a unit stopped behind podwarden’s back is started again (enable --now), counted as a failure', async () => {
    const systemd = new FakeSystemd();
    const run = startUnit(systemd);
    await run.settle('active');
    systemd.stopBehindBack(UNIT);
    systemd.calls.length = 0;
    run.send(observed());
    await run.settle('active');
    expect(systemd.calls).toEqual([
      `write ${FILE} (unchanged)`,
      `is-active ${UNIT}`,
      `write ${FILE} (unchanged)`,
      `enable --now ${UNIT}`,
    ]);
    expect(run.received).toMatchObject([{ entry: { action: 'restart' } }]);
    expect(systemd.active.has(UNIT)).toBe(true);
    run.stop();
  });

  it('a failed systemctl step is kept as a typed failure, which the passes while backing off carry with its text', async () => {
    const systemd = new FakeSystemd();
    const run = startUnit(systemd);
    await run.settle('active');
    systemd.stopBehindBack(UNIT);
    systemd.failNext = 'enableNow';
    run.send(observed());
    // Inactive (first failure: repaired at once), then enable --now fails: the second backs off.
    await until('the second failure', () => run.unit.getSnapshot().context.failures === 2);
    expect(run.state()).toBe('backoff');
    const failureReason = { kind: 'step-failed', step: 'enable --now', message: 'enableNow failed (injected)' };
    expect(run.unit.getSnapshot().context).toMatchObject({
      failures: 2,
      failure: failureReason,
      reason: 'enable --now failed: enableNow failed (injected)',
    });
    run.received.length = 0;
    run.send(observed());
    expect(run.received).toEqual([
      {
        type: 'APP.PASS_ENTRY',
        passId,
        entry: {
          appId: 'lnd/ui',
          state: 'backoff',
          action: 'restart',
          busy: false,
          failure: 'enable --now failed: enableNow failed (injected)',
          failureReason,
        },
      },
    ]);
    run.stop();
  });

  it('a new manifest rewrites the unit and restarts it; a podwarden restart adopts the unit without restarting it', async () => {
    const systemd = new FakeSystemd();
    const first = startUnit(systemd);
    await first.settle('active');
    systemd.calls.length = 0;
    first.send({ type: 'UPDATE_SPEC', spec: companionSpec('bridge-network', 'h2') });
    await first.settle('active');
    expect(systemd.calls).toEqual([`write ${FILE}`, 'daemon-reload', `restart ${UNIT}`]);
    first.send({ type: 'SHUTDOWN' });
    expect(systemd.active.has(UNIT)).toBe(true);
    first.stop();
    systemd.calls.length = 0;
    const second = startUnit(systemd, { spec: companionSpec('bridge-network', 'h2') });
    await second.settle('active');
    expect(systemd.calls).toEqual([`write ${FILE} (unchanged)`, `enable --now ${UNIT}`]);
    second.stop();
  });

  it('stop with the app: disable --now; start again: enable --now', async () => {
    const systemd = new FakeSystemd();
    const run = startUnit(systemd);
    await run.settle('active');
    systemd.calls.length = 0;
    run.send({ type: 'SET_DESIRED', desired: 'stopped' });
    await run.settle('stopped');
    run.send({ type: 'SET_DESIRED', desired: 'running' });
    await run.settle('active');
    expect(systemd.calls).toEqual([`disable --now ${UNIT}`, `write ${FILE} (unchanged)`, `enable --now ${UNIT}`]);
    run.stop();
  });

  it('uninstall: disable --now, then remove the file, then daemon-reload; the machine finishes', async () => {
    const systemd = new FakeSystemd();
    const run = startUnit(systemd);
    await run.settle('active');
    systemd.calls.length = 0;
    run.send({ type: 'SET_DESIRED', desired: 'absent' });
    await run.settle('removed');
    expect(systemd.calls).toEqual([`disable --now ${UNIT}`, `remove ${FILE}`, 'daemon-reload']);
    expect(systemd.files.size + systemd.loaded.size + systemd.active.size).toBe(0);
    expect(run.received).toEqual([{ type: 'APP.FINISHED', appId: 'lnd/ui' }]);
    run.stop();
  });

  it("an uninstall that arrives during a pass's check is carried out after it; the pass hears that work follows", async () => {
    const systemd = new FakeSystemd();
    const run = startUnit(systemd);
    await run.settle('active');
    systemd.calls.length = 0;
    run.send(observed());
    run.send({ type: 'SET_DESIRED', desired: 'absent' });
    await run.settle('removed');
    expect(systemd.calls).toEqual([
      `write ${FILE} (unchanged)`,
      `disable --now ${UNIT}`,
      `remove ${FILE}`,
      'daemon-reload',
    ]);
    expect(run.received).toMatchObject([
      { type: 'APP.PASS_ENTRY', entry: { action: 'wait' } },
      { type: 'APP.FINISHED' },
    ]);
    run.stop();
  });

  it('waits for its app before installing anything', async () => {
    const systemd = new FakeSystemd();
    const run = startUnit(systemd, { waitingFor: ['lnd (not ready)'] });
    await run.settle('waiting');
    expect(systemd.calls).toEqual([]);
    run.send({ type: 'DEPENDENCIES', waitingFor: [] });
    await run.settle('active');
    expect(systemd.calls).toEqual([`write ${FILE}`, 'daemon-reload', `restart ${UNIT}`]);
    run.stop();
  });
});
