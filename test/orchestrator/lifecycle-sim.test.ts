import { describe, expect, it } from 'vitest';
import { createSimDaemon, image, useSimDaemons, type SimDaemon } from './sim-daemon.js';
import { INSTALL_PATH } from '../support/lifecycle-paths.js';

const HOUR = 60 * 60_000;
useSimDaemons();

function toStates(daemon: SimDaemon, appId: string): string[] {
  return daemon.transitions.filter((t) => t.appId === appId).map((t) => t.to);
}

describe('app machines under the supervisor (simulated engine and clock)', () => {
  it('installs: pull → create → start → running, in one pass and without waiting for a tick', async () => {
    const daemon = await createSimDaemon({ web: { image: image('httpd') } }, { intervalMs: HOUR });
    await daemon.advance(0);
    await daemon.orchestrator.install('web');
    await daemon.advance(10);
    expect(toStates(daemon, 'web')).toEqual(['observing', ...INSTALL_PATH]);
    expect(daemon.engine.control.calls.pull).toBe(1);
    expect(daemon.engine.control.calls.create).toBe(1);
  });

  it('restarts a killed container from its die event, long before the next tick', async () => {
    const daemon = await createSimDaemon(
      { web: { image: image('httpd') } },
      { intervalMs: HOUR, simulator: { eventLatencyMs: 250 } },
    );
    await daemon.orchestrator.install('web');
    await daemon.advance(1_000);
    const id = daemon.containerId('web')!;
    const passes = daemon.passes.length;
    daemon.engine.control.kill(id);
    await daemon.advance(300);
    expect(daemon.starts.filter((s) => s.id === id)).toHaveLength(2);
    expect(daemon.state('web')).toBe('running');
    expect(daemon.passes.length).toBe(passes);
  });

  it('follows the backoff schedule for a crash loop and resets it after a stable run', async () => {
    const daemon = await createSimDaemon(
      { crashy: { image: image('crasher') } },
      { intervalMs: HOUR, backoff: { initialMs: 1_000, factor: 2, maxMs: 8_000, resetAfterMs: 60_000, jitter: 0 } },
    );
    await daemon.orchestrator.install('crashy');
    await daemon.advance(40_000);
    const times = daemon.starts.map((s) => s.at);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    // First restart at once, then 1 s doubling, capped at 8 s; the simulated container needs
    // a couple of ms of its own to exit and report it.
    const expected = [0, 1_000, 2_000, 4_000, 8_000, 8_000, 8_000];
    expected.forEach((delay, i) => {
      expect(gaps[i]).toBeGreaterThanOrEqual(delay);
      expect(gaps[i]).toBeLessThanOrEqual(delay + 5);
    });
    const row = daemon.orchestrator.status().find((r) => r.appId === 'crashy')!;
    expect(row.state).toBe('backoff');
    // The crasher exits at once on every start: after three such exits it is called a bad config.
    expect(row.failureReason).toEqual({ kind: 'bad-config', exitCode: 3, quickExits: expect.any(Number) });
    expect(row.failure).toMatch(/^bad config: exits at once on every start/);
    expect(row.reason).toBe('exited with code 3');
  });

  it('forgets earlier crashes once the container stayed up for the stable period', async () => {
    const daemon = await createSimDaemon(
      { web: { image: image('httpd') } },
      { intervalMs: HOUR, backoff: { initialMs: 5_000, factor: 2, maxMs: 60_000, resetAfterMs: 10_000, jitter: 0 } },
    );
    await daemon.orchestrator.install('web');
    await daemon.advance(100);
    daemon.engine.control.kill(daemon.containerId('web')!);
    await daemon.advance(100);
    daemon.engine.control.kill(daemon.containerId('web')!);
    await daemon.advance(100);
    // Second crash in a row: waits 5 s.
    expect(daemon.state('web')).toBe('backoff');
    await daemon.advance(5_000);
    expect(daemon.state('web')).toBe('running');
    await daemon.advance(10_000); // stable: the count resets
    const before = daemon.starts.length;
    daemon.engine.control.kill(daemon.containerId('web')!);
    await daemon.advance(10);
    expect(daemon.starts.length).toBe(before + 1); // immediate again
  });

  it('adopts what recovery finds: running → nothing, exited → start, created/paused → recreate, missing → create', async () => {
    const daemon = await createSimDaemon(
      {
        fine: { image: image('httpd') },
        exited: { image: image('sleeper') },
        created: { image: image('sleeper') },
        paused: { image: image('sleeper') },
        missing: { image: image('sleeper') },
      },
      { intervalMs: HOUR },
    );
    for (const app of ['fine', 'exited', 'created', 'paused', 'missing']) await daemon.orchestrator.install(app);
    await daemon.advance(100);
    const ids = Object.fromEntries(
      ['fine', 'exited', 'created', 'paused', 'missing'].map((app) => [app, daemon.containerId(app)!]),
    );
    await daemon.orchestrator.stop();
    const { control } = daemon.engine;
    await daemon.engine.stop(ids.exited!);
    control.pause(ids.paused!);
    await daemon.engine.remove(ids.missing!);
    // A container left in Created, as a crash between create and start leaves it.
    const created = (await daemon.engine.inspect(ids.created!))!;
    await daemon.engine.remove(ids.created!);
    const stuck = await daemon.engine.create({
      name: created.name,
      image: created.image,
      labels: created.labels,
      env: {},
      ports: [],
      mounts: [],
      tmpfs: [],
      capAdd: [],
    });
    daemon.starts.length = 0;
    control.resetCalls();
    await daemon.restart({ intervalMs: HOUR });
    await daemon.advance(100);
    const settled = daemon.orchestrator.reconcileNow();
    await daemon.advance(10);
    const pass = await settled;
    expect(daemon.containerId('fine')).toBe(ids.fine);
    expect(daemon.containerId('exited')).toBe(ids.exited);
    expect(daemon.containerId('paused')).not.toBe(ids.paused);
    expect(daemon.containerId('created')).not.toBe(stuck.id);
    expect(daemon.containerId('missing')).not.toBe(ids.missing);
    for (const app of ['fine', 'exited', 'created', 'paused', 'missing']) expect(daemon.state(app)).toBe('running');
    expect(daemon.starts.map((s) => s.id)).not.toContain(ids.fine);
    expect(pass.entries.every((entry) => entry.action === 'none')).toBe(true);
  });

  it('a quiet pass publishes nothing and makes one list call for all apps', async () => {
    const apps = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`app${i}`, { image: image('sleeper') }]));
    const daemon = await createSimDaemon(apps, { intervalMs: 30_000 });
    for (const app of Object.keys(apps)) await daemon.orchestrator.install(app);
    await daemon.advance(1_000);
    const transitions = daemon.transitions.length;
    daemon.engine.control.resetCalls();
    const passes = daemon.passes.length;
    await daemon.advance(30_000);
    expect(daemon.passes.length).toBe(passes + 1);
    expect(daemon.engine.control.calls.list).toBe(1);
    expect(daemon.engine.control.calls.inspect).toBe(0);
    expect(daemon.transitions.length).toBe(transitions);
    expect(daemon.passes.at(-1)!.entries).toHaveLength(20);
  });

  it('keeps supervising the others when one app fails', async () => {
    const daemon = await createSimDaemon(
      { broken: { image: `${'127.0.0.1:5000'}/podwarden/nope:1` }, web: { image: image('httpd') } },
      { intervalMs: 30_000 },
    );
    await daemon.orchestrator.install('broken');
    await daemon.orchestrator.install('web');
    await daemon.advance(1_000);
    expect(daemon.state('web')).toBe('running');
    const broken = daemon.orchestrator.status().find((r) => r.appId === 'broken')!;
    expect(broken.state).toBe('backoff');
    expect(broken.reason).toMatch(/pull failed/);
    expect(broken.failureReason?.kind).toBe('image-not-found');
    expect(broken.failure).toMatch(/^image 127\.0\.0\.1:5000\/podwarden\/nope:1 not found: check the image name/);
    daemon.engine.control.kill(daemon.containerId('web')!);
    await daemon.advance(100);
    expect(daemon.state('web')).toBe('running');
  });

  it('recovers from an engine outage: passes fail and are reported, then a resync pass after reconnecting', async () => {
    const daemon = await createSimDaemon({ web: { image: image('httpd') } }, { intervalMs: 30_000 });
    await daemon.orchestrator.install('web');
    await daemon.advance(1_000);
    const id = daemon.containerId('web')!;
    daemon.engine.control.setReachable(false);
    await daemon.advance(60_000);
    expect(daemon.passes.slice(-2).every((p) => p.error?.includes('unreachable') || p.error?.length)).toBe(true);
    daemon.engine.control.setReachable(true);
    daemon.engine.control.kill(id); // happened while podwarden could not see it
    const passes = daemon.passes.length;
    await daemon.advance(35_000);
    expect(daemon.passes.length).toBeGreaterThan(passes);
    expect(daemon.state('web')).toBe('running');
  });

  it('stop() waits for an in-flight pull and starts nothing after it', async () => {
    const daemon = await createSimDaemon(
      { web: { image: image('httpd') } },
      { intervalMs: HOUR, simulator: { pullLatencyMs: 5_000 } },
    );
    await daemon.orchestrator.install('web');
    await daemon.advance(100);
    expect(daemon.state('web')).toBe('pulling');
    let stopped = false;
    const stopping = daemon.orchestrator.stop().then(() => (stopped = true));
    await daemon.advance(4_000);
    expect(stopped).toBe(false);
    await daemon.advance(1_500);
    await stopping;
    expect(await daemon.engine.imageExists(image('httpd'))).toBe(true);
    expect(daemon.engine.control.calls.create).toBe(0);
  });
});
