import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSimWorld, image, type SimWorld } from './sim-world.js';

/**
 * The image's own HEALTHCHECK as the liveness probe, and an exit 137 under a memory limit,
 * wired as in production on the simulated engine and vitest's fake clock. The `unhealthy`
 * sample image's check (every 5 s, 2 retries) always fails; `httpd`'s always passes.
 */
const HOUR = 60 * 60_000;
let world: SimWorld | undefined;

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(async () => {
  await world?.cleanup();
  world = undefined;
  vi.useRealTimers();
});

/** Exec commands the simulated engine ran, per container. */
function recordExecs(sim: SimWorld): Array<{ id: string; command: string[]; at: number }> {
  const runs: Array<{ id: string; command: string[]; at: number }> = [];
  const exec = sim.engine.exec.bind(sim.engine);
  sim.engine.exec = (id, command, options) => {
    runs.push({ id, command, at: Date.now() });
    return exec(id, command, options);
  };
  return runs;
}

describe("an image's HEALTHCHECK as the liveness probe", () => {
  it('runs it when no liveness probe is declared, and restarts the container after its retries', async () => {
    world = await createSimWorld({ sick: { image: image('unhealthy') } }, { intervalMs: HOUR, backoff: { jitter: 0 } });
    const execs = recordExecs(world);
    await world.orchestrator.install('sick');
    await world.advance(100);
    const id = world.containerId('sick')!;
    expect(world.state('sick')).toBe('running');
    await world.advance(5_000); // the first check, one interval after the start (as podman would run it)
    expect(execs).toHaveLength(1);
    expect(execs[0]!.command).toEqual([
      '/bin/sh',
      '-c',
      'timeout 2 wget -q -O /dev/null http://127.0.0.1:8080/health || exit 1',
    ]);
    expect(world.starts).toHaveLength(1);
    await world.advance(5_000); // the second failure in a row: retries=2
    const restart = world.transitions.find((t) => t.appId === 'sick' && t.from === 'backoff' && t.to === 'restarting');
    expect(restart?.failureReason).toMatchObject({ kind: 'probe-failing', role: 'liveness', failures: 2 });
    expect(restart?.failure).toMatch(
      /^liveness probe failing \(image HEALTHCHECK: timeout 2 wget -q -O \/dev\/null http:\/\/127\.0\.0\.1:8080\/health \|\| exit 1, 2 in a row\)/,
    );
    await world.advance(1_000);
    // Restarted in place (the default onLivenessFailure): the same container, started again.
    expect(world.starts.map((s) => s.id)).toEqual([id, id]);
  });

  it('leaves a container whose image check passes alone', async () => {
    world = await createSimWorld({ web: { image: image('httpd') } }, { intervalMs: HOUR });
    const execs = recordExecs(world);
    await world.orchestrator.install('web');
    await world.advance(60_000);
    expect(execs.length).toBeGreaterThanOrEqual(10);
    expect(world.starts).toHaveLength(1);
    expect(world.orchestrator.status()[0]).toMatchObject({ state: 'running', ready: true, failures: 0 });
  });

  it('never runs it with probes.imageHealthcheck: false', async () => {
    world = await createSimWorld(
      { sick: { image: image('unhealthy') } },
      { intervalMs: HOUR, appFields: { sick: { probes: { imageHealthcheck: false } } } },
    );
    const execs = recordExecs(world);
    await world.orchestrator.install('sick');
    await world.advance(60_000);
    expect(execs).toEqual([]);
    expect(world.starts).toHaveLength(1);
    expect(world.state('sick')).toBe('running');
  });

  it('a declared liveness probe wins over the image check', async () => {
    world = await createSimWorld(
      { sick: { image: image('unhealthy') } },
      {
        intervalMs: HOUR,
        appFields: { sick: { probes: { liveness: { exec: { command: ['true'] }, interval: '1s' } } } },
      },
    );
    const execs = recordExecs(world);
    await world.orchestrator.install('sick');
    await world.advance(100);
    world.engine.control.answerExec(world.containerId('sick')!, () => ({ exitCode: 0, output: '' }));
    await world.advance(30_000);
    expect(new Set(execs.map((e) => e.command.join(' ')))).toEqual(new Set(['true']));
    expect(world.starts).toHaveLength(1);
  });

  it('reads the check of a container it adopts after a podwarden restart', async () => {
    world = await createSimWorld({ sick: { image: image('unhealthy') } }, { intervalMs: HOUR, backoff: { jitter: 0 } });
    await world.orchestrator.install('sick');
    await world.advance(100);
    const id = world.containerId('sick')!;
    // podwarden restarts before the first check: the new one only has the pass list, which carries no health check.
    await world.restart();
    const execs = recordExecs(world);
    await world.advance(100);
    expect(world.containerId('sick')).toBe(id);
    expect(world.state('sick')).toBe('running');
    await world.advance(10_000);
    expect(execs.filter((e) => e.id === id).length).toBeGreaterThanOrEqual(2);
    const restart = world.transitions.find((t) => t.appId === 'sick' && t.from === 'backoff' && t.to === 'restarting');
    expect(restart?.failure).toMatch(/image HEALTHCHECK: /);
  });
});

describe('exit 137 under a memory limit', () => {
  it('is called a likely OOM kill, with the limit and the remedy', async () => {
    // The crasher exits with EXIT_CODE: 137 is what podman 4.3 here reports for an OOM kill (OOMKilled stays false).
    world = await createSimWorld(
      { hog: { image: image('crasher'), env: { EXIT_CODE: '137' }, resources: { memory: '64m', cpus: 0.5 } } },
      { intervalMs: HOUR, backoff: { jitter: 0 } },
    );
    await world.orchestrator.install('hog');
    await world.advance(100);
    const crash = world.transitions.find((t) => t.appId === 'hog' && t.to === 'backoff');
    expect(crash?.failureReason).toEqual({
      kind: 'likely-oom-killed',
      exitCode: 137,
      memoryLimitBytes: 64 * 1024 * 1024,
    });
    expect(crash?.failure).toBe(
      'killed by SIGKILL (exit 137) with a 64 MiB memory limit: most likely out of memory; raise `resources.memory`',
    );
    const seen = await world.engine.inspect(world.containerId('hog')!);
    expect(seen?.resources).toEqual({ memoryBytes: 64 * 1024 * 1024, cpus: 0.5 });
  });

  it('the simulator plays podman 4.3 here: memhog over its limit exits 137 with OOMKilled false', async () => {
    world = await createSimWorld(
      { hog: { image: image('memhog'), resources: { memory: '64m' } } },
      { intervalMs: HOUR, backoff: { jitter: 0 } },
    );
    await world.orchestrator.install('hog');
    await world.advance(100);
    const crash = world.transitions.find((t) => t.appId === 'hog' && t.to === 'backoff');
    expect(crash?.failureReason).toEqual({
      kind: 'likely-oom-killed',
      exitCode: 137,
      memoryLimitBytes: 64 * 1024 * 1024,
    });
    const seen = await world.engine.inspect(world.containerId('hog')!);
    expect(seen).toMatchObject({ status: 'exited', exitCode: 137, oomKilled: false });
  });

  it('memhog within its limit keeps running', async () => {
    world = await createSimWorld(
      { hog: { image: image('memhog'), env: { HOG_MIB: '16' }, resources: { memory: '64m' } } },
      { intervalMs: HOUR },
    );
    await world.orchestrator.install('hog');
    await world.advance(10_000);
    expect(world.orchestrator.status()[0]).toMatchObject({ state: 'running', failures: 0 });
  });

  it('without a limit, exit 137 is only an exit', async () => {
    world = await createSimWorld(
      { hog: { image: image('crasher'), env: { EXIT_CODE: '137' } } },
      { intervalMs: HOUR, backoff: { jitter: 0 } },
    );
    await world.orchestrator.install('hog');
    await world.advance(100);
    const crash = world.transitions.find((t) => t.appId === 'hog' && t.to === 'backoff');
    expect(crash?.failureReason).toEqual({ kind: 'exited', exitCode: 137 });
  });
});
