import { describe, expect, it } from 'vitest';
import { createSimDaemon, image, useSimDaemons, type SimDaemon } from './sim-daemon.js';

/**
 * Probes, hysteresis and the restart budget, wired as in production on the simulated engine
 * and vitest's fake clock. The simulator answers each exec as the test scripts it.
 */
const HOUR = 60 * 60_000;
useSimDaemons();

const exec = (command: string, extra: Record<string, unknown> = {}) => ({
  exec: { command: ['sh', '-c', command] },
  interval: '1s',
  timeout: '500ms',
  ...extra,
});

/** Scripts exec answers per command: `verdicts[cmd]` says whether the next run passes. */
function scriptExec(
  daemon: SimDaemon,
  appId: string,
  verdicts: Record<string, () => boolean>,
  runs: Array<{ cmd: string; at: number; ok: boolean }>,
) {
  daemon.engine.control.answerExec(daemon.containerId(appId)!, (command) => {
    const cmd = command[2] ?? '';
    const ok = verdicts[cmd]?.() ?? true;
    runs.push({ cmd, at: Date.now(), ok });
    return { exitCode: ok ? 0 : 1, output: ok ? '' : `${cmd} failed` };
  });
}

describe('liveness probe: hysteresis', () => {
  it('ignores one failure, and recreates after exactly failureThreshold failures in a row', async () => {
    const daemon = await createSimDaemon(
      { web: { image: image('httpd') } },
      {
        intervalMs: HOUR,
        appFields: {
          web: { probes: { liveness: exec('live', { failureThreshold: 3 }), onLivenessFailure: 'recreate' } },
        },
      },
    );
    await daemon.orchestrator.install('web');
    await daemon.advance(100);
    const first = daemon.containerId('web')!;
    const runs: Array<{ cmd: string; at: number; ok: boolean }> = [];
    let failing = false;
    scriptExec(daemon, 'web', { live: () => !failing }, runs);

    failing = true;
    await daemon.advance(1_000); // one failure
    failing = false;
    await daemon.advance(3_000); // then successes
    expect(runs.filter((r) => !r.ok)).toHaveLength(1);
    expect(daemon.containerId('web')).toBe(first);
    expect(daemon.transitions.filter((t) => t.appId === 'web').map((t) => t.to)).not.toContain('wedged');

    failing = true;
    await daemon.advance(2_000); // two more failures: still the same container
    expect(daemon.containerId('web')).toBe(first);
    await daemon.advance(1_000); // the third in a row
    await daemon.advance(100);
    const failuresBeforeRecreate = runs.filter((r) => !r.ok).length - 1; // the earlier transient one
    expect(failuresBeforeRecreate).toBe(3);
    expect(daemon.containerId('web')).not.toBe(first);
    const states = daemon.transitions.filter((t) => t.appId === 'web').map((t) => t.to);
    expect(states).toContain('recreating');
    const row = daemon.orchestrator.status().find((r) => r.appId === 'web')!;
    expect(row.state).toBe('running');
    expect(row.failureReason).toEqual({
      kind: 'probe-failing',
      role: 'liveness',
      target: 'exec sh -c live',
      output: 'exit 1: live failed',
      failures: 3,
    });
    expect(row.failure).toBe('liveness probe failing (exec sh -c live, 3 in a row); last output: exit 1: live failed');
  });

  it('restarts the same container in place when the manifest says restart', async () => {
    const daemon = await createSimDaemon(
      { web: { image: image('httpd') } },
      { intervalMs: HOUR, appFields: { web: { probes: { liveness: exec('live', { failureThreshold: 2 }) } } } },
    );
    await daemon.orchestrator.install('web');
    await daemon.advance(100);
    const id = daemon.containerId('web')!;
    let failing = true;
    scriptExec(daemon, 'web', { live: () => !failing }, []);
    await daemon.advance(2_100); // the probe's runs at 1 s and 2 s fail (the one at 0 s passed)
    failing = false;
    await daemon.advance(500);
    expect(daemon.containerId('web')).toBe(id);
    expect(daemon.starts.filter((s) => s.id === id)).toHaveLength(2);
    expect(daemon.transitions.filter((t) => t.appId === 'web').map((t) => t.to)).toContain('restarting');
  });
});

describe('startup probe', () => {
  it('holds liveness and readiness until it passes, and never restarts a slow starter within its budget', async () => {
    const daemon = await createSimDaemon(
      { slow: { image: image('slowstart'), env: { SLOW_SECONDS: '8' } } },
      {
        intervalMs: HOUR,
        appFields: {
          slow: {
            probes: {
              startup: exec('started', { failureThreshold: 5, startPeriod: '5s' }),
              liveness: exec('live', { failureThreshold: 1 }),
              readiness: exec('ready'),
            },
          },
        },
      },
    );
    await daemon.orchestrator.install('slow');
    await daemon.advance(50);
    const id = daemon.containerId('slow')!;
    const runs: Array<{ cmd: string; at: number; ok: boolean }> = [];
    // Every command passes once the service serves (after 8 s), as a real check would.
    const serving = () => daemon.engine.control.isServing(id);
    scriptExec(daemon, 'slow', { started: serving, live: serving, ready: serving }, runs);
    await daemon.advance(7_000);
    expect(daemon.orchestrator.status()[0]!.ready).toBe(false);
    expect(runs.filter((r) => r.cmd !== 'started')).toEqual([]);
    await daemon.advance(3_000);
    const row = daemon.orchestrator.status()[0]!;
    expect(row.state).toBe('running');
    expect(row.ready).toBe(true);
    expect(daemon.starts).toHaveLength(1);
    expect(runs.some((r) => r.cmd === 'live')).toBe(true);
  });

  it('gives up only after startPeriod + failureThreshold × interval, and then restarts', async () => {
    const daemon = await createSimDaemon(
      // Serves only after a minute: the simulator's exec answers fail until then.
      { stuck: { image: image('slowstart'), env: { SLOW_SECONDS: '60' } } },
      {
        intervalMs: HOUR,
        backoff: { jitter: 0 },
        appFields: { stuck: { probes: { startup: exec('started', { failureThreshold: 3, startPeriod: '4s' }) } } },
      },
    );
    await daemon.orchestrator.install('stuck');
    await daemon.advance(5_900); // failures at 0–3 s do not count; those at 4 s and 5 s do
    expect(daemon.starts).toHaveLength(1);
    await daemon.advance(1_100); // the third counted failure, at 6 s
    expect(daemon.starts.length).toBeGreaterThan(1);
    expect(daemon.transitions.find((t) => t.to === 'backoff' || t.to === 'restarting')?.failureReason?.kind).toBe(
      'probe-failing',
    );
  });
});

describe('readiness probe', () => {
  it('makes the app not ready and restarts nothing', async () => {
    const daemon = await createSimDaemon(
      { web: { image: image('httpd') } },
      { intervalMs: HOUR, appFields: { web: { probes: { readiness: exec('ready', { failureThreshold: 2 }) } } } },
    );
    await daemon.orchestrator.install('web');
    await daemon.advance(100);
    let ok = true;
    scriptExec(daemon, 'web', { ready: () => ok }, []);
    await daemon.advance(1_100);
    expect(daemon.orchestrator.status()[0]!.ready).toBe(true);
    ok = false;
    await daemon.advance(1_000);
    expect(daemon.orchestrator.status()[0]!.ready).toBe(true); // one failure: hysteresis
    await daemon.advance(1_000);
    const row = daemon.orchestrator.status()[0]!;
    expect(row.ready).toBe(false);
    expect(row.state).toBe('running');
    await daemon.advance(30_000);
    expect(daemon.starts).toHaveLength(1);
    ok = true;
    await daemon.advance(1_000);
    expect(daemon.orchestrator.status()[0]!.ready).toBe(true);
  });
});

describe('crash-loop policy', () => {
  it('restarts on the backoff schedule until the budget is spent, then stays failed until the owner starts it again', async () => {
    const daemon = await createSimDaemon(
      { crashy: { image: image('crasher') } },
      {
        intervalMs: HOUR,
        backoff: {
          initialMs: 1_000,
          factor: 2,
          maxMs: 8_000,
          resetAfterMs: 60_000,
          jitter: 0,
          budget: { restarts: 3, windowMs: 60_000 },
        },
      },
    );
    await daemon.orchestrator.install('crashy');
    await daemon.advance(60_000);
    const times = daemon.starts.map((s) => s.at);
    expect(times).toHaveLength(4); // the first start and 3 restarts
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    [0, 1_000, 2_000].forEach((delay, i) => {
      expect(gaps[i]).toBeGreaterThanOrEqual(delay);
      expect(gaps[i]).toBeLessThanOrEqual(delay + 5);
    });
    const row = daemon.orchestrator.status()[0]!;
    expect(row.state).toBe('failed');
    expect(row.failureReason).toMatchObject({
      kind: 'restart-budget-spent',
      restarts: 3,
      windowMs: 60_000,
      last: { kind: 'bad-config', exitCode: 3 },
    });
    expect(row.failure).toMatch(/^gave up after 3 restarts in 1 min \(last: bad config/);
    await daemon.orchestrator.reconcileNow();
    await daemon.advance(HOUR);
    expect(daemon.starts).toHaveLength(4);

    await daemon.orchestrator.startApp('crashy');
    await daemon.advance(100);
    // A fresh budget: a start, then the immediate first restart of a new crash count.
    expect(daemon.starts).toHaveLength(6);
    expect(daemon.orchestrator.status()[0]!.state).toBe('backoff');
  });

  it('spreads restarts with jitter the same way on every run', async () => {
    const gapsOfARun = async () => {
      const run = await createSimDaemon(
        { crashy: { image: image('crasher') } },
        { intervalMs: HOUR, backoff: { initialMs: 1_000, factor: 2, maxMs: 8_000, resetAfterMs: 60_000, jitter: 0.2 } },
      );
      await run.orchestrator.install('crashy');
      await run.advance(20_000);
      const times = run.starts.map((s) => s.at - run.starts[0]!.at);
      await run.cleanup();
      return times;
    };
    const first = await gapsOfARun();
    const second = await gapsOfARun();
    expect(first.length).toBeGreaterThan(3);
    expect(second).toEqual(first);
    expect(first.slice(2)).not.toEqual([1_000, 3_000, 7_000, 15_000].slice(0, first.length - 2));
  });
});

describe('readiness holds dependents', () => {
  it('a dependency that turns unready leaves its running dependent alone, holds its restart, and frees it when ready again', async () => {
    const daemon = await createSimDaemon(
      { db: { image: image('httpd') }, api: { image: image('httpd') } },
      {
        intervalMs: HOUR,
        appFields: {
          db: { probes: { readiness: exec('ready', { failureThreshold: 2 }) } },
          api: { dependsOn: ['db'] },
        },
      },
    );
    await daemon.orchestrator.install('db');
    await daemon.advance(100);
    let ready = true;
    scriptExec(daemon, 'db', { ready: () => ready }, []);
    await daemon.orchestrator.install('api');
    await daemon.advance(1_100);
    const api = daemon.containerId('api')!;
    expect(daemon.orchestrator.status().map((row) => `${row.appId}:${row.state}:${row.ready}`)).toEqual([
      'api:running:true',
      'db:running:true',
    ]);

    ready = false;
    await daemon.advance(2_100);
    const held = () => daemon.orchestrator.status().find((row) => row.appId === 'api')!;
    expect(daemon.orchestrator.status().find((row) => row.appId === 'db')!.ready).toBe(false);
    // Running, the dependent is not touched because its dependency stopped serving.
    expect(held().state).toBe('running');
    expect(daemon.containerId('api')).toBe(api);

    // Its container dies: after its backoff it waits for db instead of starting.
    const startsBefore = daemon.starts.filter((start) => start.id === api).length;
    daemon.engine.control.kill(api);
    await daemon.advance(5_000);
    expect(held().state).toBe('waiting');
    expect(held().reason).toBe('waiting for db (not ready)');
    expect(daemon.starts.filter((start) => start.id === api)).toHaveLength(startsBefore);

    ready = true;
    await daemon.advance(1_100);
    expect(held().state).toBe('running');
    expect(daemon.starts.filter((start) => start.id === api)).toHaveLength(startsBefore + 1);
  });
});
