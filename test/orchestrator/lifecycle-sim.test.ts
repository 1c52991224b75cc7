import { describe, expect, it } from 'vitest';
import { createSimWorld, image, useSimWorlds, type SimWorld } from './sim-world.js';

const HOUR = 60 * 60_000;
useSimWorlds();

function toStates(world: SimWorld, appId: string): string[] {
  return world.transitions.filter((t) => t.appId === appId).map((t) => t.to);
}

describe('app machines under the supervisor (simulated engine and clock)', () => {
  it('installs: pull → create → start → running, in one pass and without waiting for a tick', async () => {
    const world = await createSimWorld({ web: { image: image('httpd') } }, { intervalMs: HOUR });
    await world.advance(0);
    await world.orchestrator.install('web');
    await world.advance(10);
    expect(toStates(world, 'web')).toEqual([
      'observing',
      'pulling',
      'creating',
      'rendering',
      'starting',
      'confirming',
      'running',
    ]);
    expect(world.engine.control.calls.pull).toBe(1);
    expect(world.engine.control.calls.create).toBe(1);
  });

  it('restarts a killed container from its die event, long before the next tick', async () => {
    const world = await createSimWorld(
      { web: { image: image('httpd') } },
      { intervalMs: HOUR, simulator: { eventLatencyMs: 250 } },
    );
    await world.orchestrator.install('web');
    await world.advance(1_000);
    const id = world.containerId('web')!;
    const passes = world.passes.length;
    world.engine.control.kill(id);
    await world.advance(300);
    expect(world.starts.filter((s) => s.id === id)).toHaveLength(2);
    expect(world.state('web')).toBe('running');
    expect(world.passes.length).toBe(passes);
  });

  it('follows the backoff schedule for a crash loop and resets it after a stable run', async () => {
    const world = await createSimWorld(
      { crashy: { image: image('crasher') } },
      { intervalMs: HOUR, backoff: { initialMs: 1_000, factor: 2, maxMs: 8_000, resetAfterMs: 60_000, jitter: 0 } },
    );
    await world.orchestrator.install('crashy');
    await world.advance(40_000);
    const times = world.starts.map((s) => s.at);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    // First restart at once, then 1 s doubling, capped at 8 s; the simulated container needs
    // a couple of ms of its own to exit and report it.
    const expected = [0, 1_000, 2_000, 4_000, 8_000, 8_000, 8_000];
    expected.forEach((delay, i) => {
      expect(gaps[i]).toBeGreaterThanOrEqual(delay);
      expect(gaps[i]).toBeLessThanOrEqual(delay + 5);
    });
    const row = world.orchestrator.status().find((r) => r.appId === 'crashy')!;
    expect(row.state).toBe('backoff');
    // The crasher exits at once on every start: after three such exits it is called a bad config.
    expect(row.failureReason).toEqual({ kind: 'bad-config', exitCode: 3, quickExits: expect.any(Number) });
    expect(row.failure).toMatch(/^bad config: exits at once on every start/);
    expect(row.reason).toBe('exited with code 3');
  });

  it('forgets earlier crashes once the container stayed up for the stable period', async () => {
    const world = await createSimWorld(
      { web: { image: image('httpd') } },
      { intervalMs: HOUR, backoff: { initialMs: 5_000, factor: 2, maxMs: 60_000, resetAfterMs: 10_000, jitter: 0 } },
    );
    await world.orchestrator.install('web');
    await world.advance(100);
    world.engine.control.kill(world.containerId('web')!);
    await world.advance(100);
    world.engine.control.kill(world.containerId('web')!);
    await world.advance(100);
    // Second crash in a row: waits 5 s.
    expect(world.state('web')).toBe('backoff');
    await world.advance(5_000);
    expect(world.state('web')).toBe('running');
    await world.advance(10_000); // stable: the count resets
    const before = world.starts.length;
    world.engine.control.kill(world.containerId('web')!);
    await world.advance(10);
    expect(world.starts.length).toBe(before + 1); // immediate again
  });

  it('adopts what recovery finds: running → nothing, exited → start, created/paused → recreate, missing → create', async () => {
    const world = await createSimWorld(
      {
        fine: { image: image('httpd') },
        exited: { image: image('sleeper') },
        created: { image: image('sleeper') },
        paused: { image: image('sleeper') },
        missing: { image: image('sleeper') },
      },
      { intervalMs: HOUR },
    );
    for (const app of ['fine', 'exited', 'created', 'paused', 'missing']) await world.orchestrator.install(app);
    await world.advance(100);
    const ids = Object.fromEntries(
      ['fine', 'exited', 'created', 'paused', 'missing'].map((app) => [app, world.containerId(app)!]),
    );
    await world.orchestrator.stop();
    const { control } = world.engine;
    await world.engine.stop(ids.exited!);
    control.pause(ids.paused!);
    await world.engine.remove(ids.missing!);
    // A container left in Created, as a crash between create and start leaves it.
    const created = (await world.engine.inspect(ids.created!))!;
    await world.engine.remove(ids.created!);
    const stuck = await world.engine.create({
      name: created.name,
      image: created.image,
      labels: created.labels,
      env: {},
      ports: [],
      mounts: [],
      tmpfs: [],
      capAdd: [],
    });
    world.starts.length = 0;
    control.resetCalls();
    await world.restart({ intervalMs: HOUR });
    await world.advance(100);
    const settled = world.orchestrator.reconcileNow();
    await world.advance(10);
    const pass = await settled;
    expect(world.containerId('fine')).toBe(ids.fine);
    expect(world.containerId('exited')).toBe(ids.exited);
    expect(world.containerId('paused')).not.toBe(ids.paused);
    expect(world.containerId('created')).not.toBe(stuck.id);
    expect(world.containerId('missing')).not.toBe(ids.missing);
    for (const app of ['fine', 'exited', 'created', 'paused', 'missing']) expect(world.state(app)).toBe('running');
    expect(world.starts.map((s) => s.id)).not.toContain(ids.fine);
    expect(pass.entries.every((entry) => entry.action === 'none')).toBe(true);
  });

  it('a quiet pass publishes nothing and makes one list call for all apps', async () => {
    const apps = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`app${i}`, { image: image('sleeper') }]));
    const world = await createSimWorld(apps, { intervalMs: 30_000 });
    for (const app of Object.keys(apps)) await world.orchestrator.install(app);
    await world.advance(1_000);
    const transitions = world.transitions.length;
    world.engine.control.resetCalls();
    const passes = world.passes.length;
    await world.advance(30_000);
    expect(world.passes.length).toBe(passes + 1);
    expect(world.engine.control.calls.list).toBe(1);
    expect(world.engine.control.calls.inspect).toBe(0);
    expect(world.transitions.length).toBe(transitions);
    expect(world.passes.at(-1)!.entries).toHaveLength(20);
  });

  it('keeps supervising the others when one app fails', async () => {
    const world = await createSimWorld(
      { broken: { image: `${'127.0.0.1:5000'}/podwarden/nope:1` }, web: { image: image('httpd') } },
      { intervalMs: 30_000 },
    );
    await world.orchestrator.install('broken');
    await world.orchestrator.install('web');
    await world.advance(1_000);
    expect(world.state('web')).toBe('running');
    const broken = world.orchestrator.status().find((r) => r.appId === 'broken')!;
    expect(broken.state).toBe('backoff');
    expect(broken.reason).toMatch(/pull failed/);
    expect(broken.failureReason?.kind).toBe('image-not-found');
    expect(broken.failure).toMatch(/^image 127\.0\.0\.1:5000\/podwarden\/nope:1 not found: check the image name/);
    world.engine.control.kill(world.containerId('web')!);
    await world.advance(100);
    expect(world.state('web')).toBe('running');
  });

  it('recovers from an engine outage: passes fail and are reported, then a resync pass after reconnecting', async () => {
    const world = await createSimWorld({ web: { image: image('httpd') } }, { intervalMs: 30_000 });
    await world.orchestrator.install('web');
    await world.advance(1_000);
    const id = world.containerId('web')!;
    world.engine.control.setReachable(false);
    await world.advance(60_000);
    expect(world.passes.slice(-2).every((p) => p.error?.includes('unreachable') || p.error?.length)).toBe(true);
    world.engine.control.setReachable(true);
    world.engine.control.kill(id); // happened while podwarden could not see it
    const passes = world.passes.length;
    await world.advance(35_000);
    expect(world.passes.length).toBeGreaterThan(passes);
    expect(world.state('web')).toBe('running');
  });

  it('stop() waits for an in-flight pull and starts nothing after it', async () => {
    const world = await createSimWorld(
      { web: { image: image('httpd') } },
      { intervalMs: HOUR, simulator: { pullLatencyMs: 5_000 } },
    );
    await world.orchestrator.install('web');
    await world.advance(100);
    expect(world.state('web')).toBe('pulling');
    let stopped = false;
    const stopping = world.orchestrator.stop().then(() => (stopped = true));
    await world.advance(4_000);
    expect(stopped).toBe(false);
    await world.advance(1_500);
    await stopping;
    expect(await world.engine.imageExists(image('httpd'))).toBe(true);
    expect(world.engine.control.calls.create).toBe(0);
  });
});
