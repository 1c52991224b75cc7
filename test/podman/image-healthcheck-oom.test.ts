import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDockerodeEngine } from '../../src/engine/dockerode/dockerode-engine.js';
import type { Orchestrator } from '../../src/orchestrator.js';
import type { Transition } from '../../src/streams/transitions.js';
import { image, SOCKET_PATH } from './support/env.js';
import { recordingPodmanCalls } from './support/engine-spy.js';
import { createLaneDaemon, waitForState, waitForStatus, type LaneDaemon } from './support/orchestrator-fixture.js';
import { inspectJson } from './support/podman-cli.js';

/**
 * An image's own HEALTHCHECK as the liveness probe, and what an OOM kill looks like, on real
 * podman. The `unhealthy` sample's HEALTHCHECK (every 5 s, 2 retries) always fails; podman
 * never runs it here (no systemd timers), so only podwarden can act on it. The `memhog`
 * sample takes 256 MiB at once.
 */
const NO_TICK = 60 * 60_000;
/** The first restart after a failure is immediate; later ones wait long enough to be counted calmly. */
const SLOW_BACKOFF = { initialMs: 60_000, factor: 2, maxMs: 60_000, resetAfterMs: 600_000, jitter: 0 };
const HEALTHCHECK = 'timeout 2 wget -q -O /dev/null http://127.0.0.1:8080/health || exit 1';
let daemon: LaneDaemon;

beforeEach(async () => {
  daemon = await createLaneDaemon();
});
afterEach(async () => {
  await daemon.cleanup();
});

function record(orchestrator: Orchestrator): Transition[] {
  const seen: Transition[] = [];
  orchestrator.transitions$.subscribe((t) => seen.push(t));
  return seen;
}

async function containerId(orchestrator: Orchestrator, appId: string): Promise<string> {
  const row = await waitForStatus(
    orchestrator,
    appId,
    'run',
    (r) => r.state === 'running' && r.containerId !== undefined,
    60_000,
  );
  return row.containerId!;
}

describe("an image's HEALTHCHECK on podman", () => {
  it('is run as the liveness probe when none is declared, and not with probes.imageHealthcheck: false', async () => {
    await daemon.writeManifest('sick', { image: image('unhealthy') });
    await daemon.writeManifest('calm', { image: image('unhealthy') }, { probes: { imageHealthcheck: false } });
    const { engine, seen: starts } = recordingPodmanCalls('start'); // exact, unlike podman's event record
    const orchestrator = await daemon.boot({ intervalMs: NO_TICK, engine, backoff: SLOW_BACKOFF });
    const transitions = record(orchestrator);
    await orchestrator.install('sick');
    await orchestrator.install('calm');
    const sick = await containerId(orchestrator, 'sick');
    const calm = await containerId(orchestrator, 'calm');
    const began = Date.now();

    await waitForStatus(
      orchestrator,
      'sick',
      'be restarted',
      () => starts.filter((id) => id === sick).length >= 2,
      60_000,
    );
    const restart = transitions.find((t) => t.appId === 'sick' && t.to === 'restarting')!;
    console.log(`image HEALTHCHECK (5 s × 2 retries): restarting ${restart.at - began} ms after the container ran`);
    expect(restart.failureReason).toMatchObject({
      kind: 'probe-failing',
      role: 'liveness',
      failures: 2,
      target: `image HEALTHCHECK: ${HEALTHCHECK}`,
    });
    expect(restart.failure).toMatch(
      /^liveness probe failing \(image HEALTHCHECK: timeout 2 wget .*, 2 in a row\); last output: exit 1/,
    );
    // Restarted in place (the default): the same container.
    await waitForStatus(
      orchestrator,
      'sick',
      'run again',
      (row) => row.state === 'running' && row.containerId === sick,
      60_000,
    );

    // The opted-out app ran side by side all along and was started once.
    expect(starts.filter((id) => id === calm)).toHaveLength(1);
    expect(orchestrator.status().find((row) => row.appId === 'calm')).toMatchObject({
      state: 'running',
      failures: 0,
      containerId: calm,
    });
  });

  it('is read for a container podwarden adopts after its own restart', async () => {
    await daemon.writeManifest('sick', { image: image('unhealthy') });
    const first = await daemon.boot({ intervalMs: NO_TICK });
    await first.install('sick');
    const id = await containerId(first, 'sick');
    await first.stop();

    // The new daemon finds the container with the pass list, which carries no health check.
    const { engine, seen: starts } = recordingPodmanCalls('start'); // exact, unlike podman's event record
    const second = await daemon.boot({ intervalMs: NO_TICK, engine, backoff: SLOW_BACKOFF });
    const transitions = record(second);
    await waitForState(second, 'sick', 'running', 60_000);
    expect(second.status()[0]!.containerId).toBe(id);
    await waitForStatus(second, 'sick', 'be restarted', () => starts.includes(id), 60_000);
    const restart = transitions.find((t) => t.to === 'restarting')!;
    expect(restart.failure).toContain(`image HEALTHCHECK: ${HEALTHCHECK}`);
  });
});

describe('a memory limit on podman 4.3 (cgroup v1 here)', () => {
  it('OOM-kills a container that exceeds it: exit 137, OOMKilled false, and podwarden names the likely cause', async () => {
    await daemon.writeManifest('hog', { image: image('memhog'), resources: { memory: '64m', cpus: 0.5 } });
    const orchestrator = await daemon.boot({ intervalMs: NO_TICK, backoff: SLOW_BACKOFF });
    const transitions = record(orchestrator);
    await orchestrator.install('hog');
    // The first restart after a failure is immediate; after the second crash the container stays exited for the long backoff.
    const row = await waitForStatus(
      orchestrator,
      'hog',
      'fail twice',
      (r) => r.state === 'backoff' && r.failures >= 2,
      60_000,
    );
    expect(row.failureReason).toEqual({ kind: 'likely-oom-killed', exitCode: 137, memoryLimitBytes: 64 * 1024 * 1024 });
    expect(row.failure).toBe(
      'killed by SIGKILL (exit 137) with a 64 MiB memory limit: most likely out of memory; raise `resources.memory`',
    );
    expect(transitions.some((t) => t.to === 'backoff' && t.failureReason?.kind === 'likely-oom-killed')).toBe(true);

    // What podman itself says: the kernel killed it (exit 137), but OOMKilled stays false.
    const seen = await inspectJson(daemon.containerName('hog'));
    expect(seen.State.ExitCode).toBe(137);
    expect(seen.State.OOMKilled).toBe(false);
    expect(seen.HostConfig.Memory).toBe(64 * 1024 * 1024);
    expect(seen.HostConfig.NanoCpus).toBe(500_000_000);
    const observed = await createDockerodeEngine({ socketPath: SOCKET_PATH }).inspect(daemon.containerName('hog'));
    expect(observed?.resources).toEqual({ memoryBytes: 64 * 1024 * 1024, cpus: 0.5 });
  });

  it('runs the same container untouched under a limit it stays within', async () => {
    await daemon.writeManifest('hog', { image: image('memhog'), env: { HOG_MIB: '16' }, resources: { memory: '64m' } });
    const orchestrator = await daemon.boot({ intervalMs: NO_TICK });
    await orchestrator.install('hog');
    await waitForState(orchestrator, 'hog', 'running', 60_000);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(orchestrator.status()[0]).toMatchObject({ state: 'running', failures: 0 });
    expect((await inspectJson(daemon.containerName('hog'))).State.Running).toBe(true);
  });
});
