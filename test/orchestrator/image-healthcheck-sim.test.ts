import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSimDaemon, image, type SimDaemon } from './sim-daemon.js';

/**
 * The image's own HEALTHCHECK as the liveness probe, and an exit 137 under a memory limit,
 * wired as in production on the simulated engine and vitest's fake clock. The `unhealthy`
 * sample image's check (every 5 s, 2 retries) always fails; `httpd`'s always passes.
 */
const HOUR = 60 * 60_000;
let daemon: SimDaemon | undefined;

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(async () => {
  await daemon?.cleanup();
  daemon = undefined;
  vi.useRealTimers();
});

/** Exec commands the simulated engine ran, per container. */
function recordExecs(sim: SimDaemon): Array<{ id: string; command: string[]; at: number }> {
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
    daemon = await createSimDaemon(
      { sick: { image: image('unhealthy') } },
      { intervalMs: HOUR, backoff: { jitter: 0 } },
    );
    const execs = recordExecs(daemon);
    await daemon.orchestrator.install('sick');
    await daemon.advance(100);
    const id = daemon.containerId('sick')!;
    expect(daemon.state('sick')).toBe('running');
    await daemon.advance(5_000); // the first check, one interval after the start (as podman would run it)
    expect(execs).toHaveLength(1);
    expect(execs[0]!.command).toEqual([
      '/bin/sh',
      '-c',
      'timeout 2 wget -q -O /dev/null http://127.0.0.1:8080/health || exit 1',
    ]);
    expect(daemon.starts).toHaveLength(1);
    await daemon.advance(5_000); // the second failure in a row: retries=2
    const restart = daemon.transitions.find((t) => t.appId === 'sick' && t.from === 'backoff' && t.to === 'restarting');
    expect(restart?.failureReason).toMatchObject({ kind: 'probe-failing', role: 'liveness', failures: 2 });
    expect(restart?.failure).toMatch(
      /^liveness probe failing \(image HEALTHCHECK: timeout 2 wget -q -O \/dev\/null http:\/\/127\.0\.0\.1:8080\/health \|\| exit 1, 2 in a row\)/,
    );
    await daemon.advance(1_000);
    // Restarted in place (the default onLivenessFailure): the same container, started again.
    expect(daemon.starts.map((s) => s.id)).toEqual([id, id]);
  });

  it('leaves a container whose image check passes alone', async () => {
    daemon = await createSimDaemon({ web: { image: image('httpd') } }, { intervalMs: HOUR });
    const execs = recordExecs(daemon);
    await daemon.orchestrator.install('web');
    await daemon.advance(60_000);
    expect(execs.length).toBeGreaterThanOrEqual(10);
    expect(daemon.starts).toHaveLength(1);
    expect(daemon.orchestrator.status()[0]).toMatchObject({ state: 'running', ready: true, failures: 0 });
  });

  it('never runs it with probes.imageHealthcheck: false', async () => {
    daemon = await createSimDaemon(
      { sick: { image: image('unhealthy') } },
      { intervalMs: HOUR, appFields: { sick: { probes: { imageHealthcheck: false } } } },
    );
    const execs = recordExecs(daemon);
    await daemon.orchestrator.install('sick');
    await daemon.advance(60_000);
    expect(execs).toEqual([]);
    expect(daemon.starts).toHaveLength(1);
    expect(daemon.state('sick')).toBe('running');
  });

  it('a declared liveness probe wins over the image check', async () => {
    daemon = await createSimDaemon(
      { sick: { image: image('unhealthy') } },
      {
        intervalMs: HOUR,
        appFields: { sick: { probes: { liveness: { exec: { command: ['true'] }, interval: '1s' } } } },
      },
    );
    const execs = recordExecs(daemon);
    await daemon.orchestrator.install('sick');
    await daemon.advance(100);
    daemon.engine.control.answerExec(daemon.containerId('sick')!, () => ({ exitCode: 0, output: '' }));
    await daemon.advance(30_000);
    expect(new Set(execs.map((e) => e.command.join(' ')))).toEqual(new Set(['true']));
    expect(daemon.starts).toHaveLength(1);
  });

  it('reads the check of a container it adopts after a podwarden restart', async () => {
    daemon = await createSimDaemon(
      { sick: { image: image('unhealthy') } },
      { intervalMs: HOUR, backoff: { jitter: 0 } },
    );
    await daemon.orchestrator.install('sick');
    await daemon.advance(100);
    const id = daemon.containerId('sick')!;
    // podwarden restarts before the first check: the new one only has the pass list, which carries no health check.
    await daemon.restart();
    const execs = recordExecs(daemon);
    await daemon.advance(100);
    expect(daemon.containerId('sick')).toBe(id);
    expect(daemon.state('sick')).toBe('running');
    await daemon.advance(10_000);
    expect(execs.filter((e) => e.id === id).length).toBeGreaterThanOrEqual(2);
    const restart = daemon.transitions.find((t) => t.appId === 'sick' && t.from === 'backoff' && t.to === 'restarting');
    expect(restart?.failure).toMatch(/image HEALTHCHECK: /);
  });
});

describe('exit 137 under a memory limit', () => {
  it('is called a likely OOM kill, with the limit and the remedy', async () => {
    // The crasher exits with EXIT_CODE: 137 is what podman 4.3 here reports for an OOM kill (OOMKilled stays false).
    daemon = await createSimDaemon(
      { hog: { image: image('crasher'), env: { EXIT_CODE: '137' }, resources: { memory: '64m', cpus: 0.5 } } },
      { intervalMs: HOUR, backoff: { jitter: 0 } },
    );
    await daemon.orchestrator.install('hog');
    await daemon.advance(100);
    const crash = daemon.transitions.find((t) => t.appId === 'hog' && t.to === 'backoff');
    expect(crash?.failureReason).toEqual({
      kind: 'likely-oom-killed',
      exitCode: 137,
      memoryLimitBytes: 64 * 1024 * 1024,
    });
    expect(crash?.failure).toBe(
      'killed by SIGKILL (exit 137) with a 64 MiB memory limit: most likely out of memory; raise `resources.memory`',
    );
    const seen = await daemon.engine.inspect(daemon.containerId('hog')!);
    expect(seen?.resources).toEqual({ memoryBytes: 64 * 1024 * 1024, cpus: 0.5 });
  });

  it('the simulator plays podman 4.3 here: memhog over its limit exits 137 with OOMKilled false', async () => {
    daemon = await createSimDaemon(
      { hog: { image: image('memhog'), resources: { memory: '64m' } } },
      { intervalMs: HOUR, backoff: { jitter: 0 } },
    );
    await daemon.orchestrator.install('hog');
    await daemon.advance(100);
    const crash = daemon.transitions.find((t) => t.appId === 'hog' && t.to === 'backoff');
    expect(crash?.failureReason).toEqual({
      kind: 'likely-oom-killed',
      exitCode: 137,
      memoryLimitBytes: 64 * 1024 * 1024,
    });
    const seen = await daemon.engine.inspect(daemon.containerId('hog')!);
    expect(seen).toMatchObject({ status: 'exited', exitCode: 137, oomKilled: false });
  });

  it('memhog within its limit keeps running', async () => {
    daemon = await createSimDaemon(
      { hog: { image: image('memhog'), env: { HOG_MIB: '16' }, resources: { memory: '64m' } } },
      { intervalMs: HOUR },
    );
    await daemon.orchestrator.install('hog');
    await daemon.advance(10_000);
    expect(daemon.orchestrator.status()[0]).toMatchObject({ state: 'running', failures: 0 });
  });

  it('without a limit, exit 137 is only an exit', async () => {
    daemon = await createSimDaemon(
      { hog: { image: image('crasher'), env: { EXIT_CODE: '137' } } },
      { intervalMs: HOUR, backoff: { jitter: 0 } },
    );
    await daemon.orchestrator.install('hog');
    await daemon.advance(100);
    const crash = daemon.transitions.find((t) => t.appId === 'hog' && t.to === 'backoff');
    expect(crash?.failureReason).toEqual({ kind: 'exited', exitCode: 137 });
  });
});
