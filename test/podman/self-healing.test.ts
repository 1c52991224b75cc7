import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LABELS } from '../../src/domain/labels.js';
import type { Orchestrator } from '../../src/orchestrator.js';
import type { Transition } from '../../src/streams/transitions.js';
import { createDockerodeEngine } from '../../src/engine/dockerode/dockerode-engine.js';
import { image, REGISTRY, SOCKET_PATH } from './support/env.js';
import {
  createLaneDaemon,
  nextTransition,
  waitForState,
  waitForStatus,
  type LaneDaemon,
} from './support/orchestrator-fixture.js';
import { capturedLog } from '../support/captured-log.js';
import { freePort } from '../support/free-port.js';
import { until } from '../support/until.js';
import { recordingPodmanCalls } from './support/engine-spy.js';
import { podman, startEventRecorder } from './support/podman-cli.js';

/**
 * Probes, the crash-loop budget and failure reasons on real podman. The httpd sample serves
 * /www; a test breaks or mends its /health page (in a host directory it serves, or with
 * `podman exec`), so the process keeps running while its HTTP endpoint fails.
 */
const NO_TICK = 60 * 60_000;
let daemon: LaneDaemon;

beforeEach(async () => {
  daemon = await createLaneDaemon();
});
afterEach(async () => {
  await daemon.cleanup();
});

/** podwarden's own start calls (exact) and podman's event record (which may miss a line, so it only bounds from above). */
function countingStarts() {
  const counted = recordingPodmanCalls('start');
  const recorder = startEventRecorder(`${LABELS.owner}=${daemon.instance}`);
  return { engine: counted.engine, starts: counted.seen, recorder };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const httpProbe = (path: string, extra: Record<string, unknown> = {}) => ({
  http: { path, port: 8080 },
  interval: '1s',
  timeout: '500ms',
  ...extra,
});

function record(orchestrator: Orchestrator, appId: string): Transition[] {
  const seen: Transition[] = [];
  orchestrator.transitions$.subscribe((t) => {
    if (t.appId === appId) seen.push(t);
  });
  return seen;
}

describe('liveness probe on podman', () => {
  it('ignores failed checks below the threshold, and recreates after exactly failureThreshold failures', async () => {
    // httpd serves a host directory, so the test breaks and mends /health with a file operation
    // that takes microseconds: a `podman exec` for it took seconds on a loaded machine, long
    // enough for the checks to reach the threshold before the page was back.
    const www = join(daemon.stateDir, 'apps', 'web', 'www');
    await mkdir(www, { recursive: true });
    await writeFile(join(www, 'index.html'), 'web\n');
    await writeFile(join(www, 'health'), 'ok\n');
    await daemon.writeManifest(
      'web',
      {
        image: image('httpd'),
        command: ['sh', '-c', 'trap "exit 0" TERM INT; httpd -f -p 8080 -h /www & wait'],
        volumes: ['./www:/www:ro'],
      },
      { probes: { liveness: httpProbe('/health', { failureThreshold: 5 }), onLivenessFailure: 'recreate' } },
    );
    const log = capturedLog();
    const orchestrator = await daemon.boot({ intervalMs: NO_TICK, logger: log.logger });
    const transitions = record(orchestrator, 'web');
    await orchestrator.install('web');
    const first = await waitForStatus(
      orchestrator,
      'web',
      'be running and ready',
      (row) => row.state === 'running' && row.ready === true,
      60_000,
    );
    const failedChecks = () =>
      log
        .text()
        .split('\n')
        .filter((line) => line.includes('liveness probe failed')).length;

    // The page is gone until a failed check is seen, then it serves again at once: nothing happens.
    const failedBefore = failedChecks();
    await rm(join(www, 'health'));
    await until('a failed liveness check', () => failedChecks() > failedBefore, 30_000, 5);
    await writeFile(join(www, 'health'), 'ok\n');
    // A fixed window to see that nothing follows; it passes however slow the machine is.
    await sleep(3_000);
    expect(orchestrator.status()[0]!.containerId).toBe(first.containerId);
    expect(transitions.map((t) => t.to)).not.toContain('recreating');

    // Gone for good: recreated after five failed checks in a row. The page comes back once the
    // recreate is under way, so the new container passes its checks.
    const recreatingSeen = nextTransition(orchestrator.transitions$, (t) => t.appId === 'web' && t.to === 'recreating');
    const brokeAt = Date.now();
    await rm(join(www, 'health'));
    const recreating = await recreatingSeen;
    await writeFile(join(www, 'health'), 'ok\n');
    const recreated = await waitForStatus(
      orchestrator,
      'web',
      'run a new container',
      (row) => row.state === 'running' && row.containerId !== first.containerId,
    );
    expect(recreating.failureReason).toMatchObject({ kind: 'probe-failing', role: 'liveness', failures: 5 });
    // The probe reached the container on its own bridge address.
    expect(recreating.failureReason).toMatchObject({
      target: expect.stringMatching(/^GET http:\/\/10\.\d+\.\d+\.\d+:8080\/health$/),
    });
    expect(recreating.failure).toMatch(/liveness probe failing .*5 in a row\); last output: HTTP 404/);
    console.log(`liveness: page removed → recreating after ${recreating.at - brokeAt} ms (interval 1 s, threshold 5)`);
    expect(recreated.containerId).not.toBe(first.containerId);
  });
});

describe('startup and readiness probes on podman', () => {
  it('never restarts a slow starter during start-up', async () => {
    await daemon.writeManifest(
      'slow',
      { image: image('slowstart'), env: { SLOW_SECONDS: '5' } },
      {
        probes: {
          startup: httpProbe('/health', { failureThreshold: 15 }),
          liveness: httpProbe('/health', { failureThreshold: 1 }),
        },
      },
    );
    const { engine, starts, recorder } = countingStarts();
    const orchestrator = await daemon.boot({ intervalMs: NO_TICK, engine });
    const began = Date.now();
    await orchestrator.install('slow');
    await waitForStatus(orchestrator, 'slow', 'become ready', (row) => row.ready === true, 60_000);
    console.log(`slowstart (5 s): ready ${Date.now() - began} ms after install`);
    await sleep(2_000);
    const events = await recorder.stop();
    expect(starts).toHaveLength(1);
    expect(events.filter((e) => e.status === 'start').length).toBeLessThanOrEqual(1);
    expect(events.filter((e) => e.status === 'died')).toHaveLength(0);
  });

  it('a failing readiness probe makes the app not ready and restarts nothing', async () => {
    await daemon.writeManifest(
      'web',
      { image: image('httpd') },
      { probes: { readiness: httpProbe('/ready', { failureThreshold: 1 }) } },
    );
    const { engine, starts, recorder } = countingStarts();
    const orchestrator = await daemon.boot({ intervalMs: NO_TICK, engine });
    await orchestrator.install('web');
    await waitForState(orchestrator, 'web', 'running');
    await sleep(4_000);
    const row = orchestrator.status()[0]!;
    expect(row.state).toBe('running');
    expect(row.ready).toBe(false);
    await podman(['exec', daemon.containerName('web'), 'sh', '-c', 'echo ok > /www/ready']);
    await waitForStatus(orchestrator, 'web', 'become ready', (r) => r.ready === true, 30_000);
    const events = await recorder.stop();
    expect(starts).toHaveLength(1);
    expect(events.filter((e) => e.status === 'start').length).toBeLessThanOrEqual(1);
    expect(events.filter((e) => e.status === 'died')).toHaveLength(0);
  });
});

describe('crash-loop budget on podman', () => {
  it('stops after the budget of restarts and says why', async () => {
    await daemon.writeManifest('crashy', { image: image('crasher') });
    const { engine, starts: startCalls, recorder } = countingStarts();
    const orchestrator = await daemon.boot({
      intervalMs: NO_TICK,
      engine,
      backoff: {
        initialMs: 1_000,
        factor: 2,
        maxMs: 4_000,
        resetAfterMs: 60_000,
        jitter: 0,
        budget: { restarts: 3, windowMs: 60_000 },
      },
    });
    const began = Date.now();
    await orchestrator.install('crashy');
    const failed = await waitForState(orchestrator, 'crashy', 'failed', 60_000);
    const failedAfter = Date.now() - began;
    await sleep(6_000);
    const events = await recorder.stop();
    const starts = events.filter((e) => e.status === 'start');
    console.log(
      `crash loop: ${starts.length} starts, failed after ${failedAfter} ms; start offsets ${starts.map((s) => s.time - starts[0]!.time).join(', ')} ms`,
    );
    expect(startCalls).toHaveLength(4); // the first start and the 3 restarts of the budget
    expect(starts.length).toBeLessThanOrEqual(4);
    expect(failed.failureReason).toMatchObject({
      kind: 'restart-budget-spent',
      restarts: 3,
      last: { kind: 'bad-config', exitCode: 3 },
    });
    expect(failed.failure).toMatch(/^gave up after 3 restarts in 1 min/);
  });
});

describe('failure reasons on podman', () => {
  it('names an exit code, a missing image, an unreachable registry and a port clash', async () => {
    await daemon.writeManifest('exits', { image: image('crasher'), env: { EXIT_CODE: '5' } });
    await daemon.writeManifest('missing', { image: `${REGISTRY}/podwarden/no-such-image:1` });
    await daemon.writeManifest('offline', { image: '127.0.0.1:5999/podwarden/httpd:1' });
    const port = await freePort();
    await daemon.writeManifest('first', { image: image('httpd'), ports: [`127.0.0.1:${port}:8080`] });
    await daemon.writeManifest('second', { image: image('httpd'), ports: [`127.0.0.1:${port}:8080`] });
    const orchestrator = await daemon.boot({ intervalMs: NO_TICK, insecureRegistries: [REGISTRY, '127.0.0.1:5999'] });
    const transitions: Transition[] = [];
    orchestrator.transitions$.subscribe((t) => transitions.push(t));
    await orchestrator.install('exits');
    await orchestrator.install('missing');
    await orchestrator.install('offline');
    await orchestrator.install('first');
    await waitForState(orchestrator, 'first', 'running');
    await orchestrator.install('second');

    const reason = (appId: string) =>
      waitForStatus(orchestrator, appId, 'fail', (row) => row.failureReason !== undefined, 60_000);
    const exited =
      transitions.find((t) => t.appId === 'exits' && t.failureReason !== undefined) ?? (await reason('exits'));
    expect(exited.failureReason).toEqual({ kind: 'exited', exitCode: 5 });
    expect(exited.failure).toBe('exited with code 5: see the container log');

    const missing = await reason('missing');
    expect(missing.failureReason).toMatchObject({
      kind: 'image-not-found',
      image: `${REGISTRY}/podwarden/no-such-image:1`,
    });
    expect(missing.failure).toMatch(/^image .*no-such-image:1 not found: check the image name and tag/);

    const offline = await reason('offline');
    expect(offline.failureReason).toMatchObject({ kind: 'registry-unreachable' });
    expect(offline.failure).toMatch(/^registry unreachable for 127\.0\.0\.1:5999\/podwarden\/httpd:1/);

    const clash = await reason('second');
    expect(clash.failureReason).toMatchObject({ kind: 'port-in-use' });
    expect(clash.failure).toMatch(/^port already in use: free the host port or change it in the manifest/);
  });
});

describe('exec through the dockerode adapter', () => {
  it('returns the exit code and the output of a command in the container, and times out a slow one', async () => {
    await daemon.writeManifest('web', { image: image('httpd') });
    const orchestrator = await daemon.boot({ intervalMs: NO_TICK });
    await orchestrator.install('web');
    const row = await waitForState(orchestrator, 'web', 'running');
    const engine = createDockerodeEngine({ socketPath: SOCKET_PATH });
    const began = Date.now();
    expect(await engine.exec(row.containerId!, ['cat', '/www/health'], { timeoutMs: 10_000 })).toEqual({
      exitCode: 0,
      output: 'ok\n',
    });
    console.log(`exec round trip: ${Date.now() - began} ms`);
    const failed = await engine.exec(row.containerId!, ['sh', '-c', 'echo broken >&2; exit 7'], { timeoutMs: 10_000 });
    expect(failed).toEqual({ exitCode: 7, output: 'broken\n' });
    await expect(engine.exec(row.containerId!, ['sleep', '5'], { timeoutMs: 300 })).rejects.toThrow(
      /did not finish within 300 ms/,
    );
  });
});
