import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backoffDelay } from '../../machines/backoff.js';
import { DEFAULT_BACKOFF, type BackoffPolicy, type PassReport } from '../../machines/types.js';
import { until } from '../support/until.js';
import { LABELS } from '../../src/domain/labels.js';
import { image } from './support/env.js';
import { recordingPodmanCalls } from './support/engine-spy.js';
import {
  createLaneDaemon,
  nextTransition,
  waitForState,
  waitForStatus,
  type LaneDaemon,
} from './support/orchestrator-fixture.js';
import {
  containersWithLabel,
  ensureLocalImages,
  imageExistsLocally,
  inspectJson,
  kill,
  podman,
  pushUniqueTag,
  removeForce,
  startEventRecorder,
} from './support/podman-cli.js';

// Long enough that anything that happens within a test was caused by an event, not a tick.
const NO_TICK = 10 * 60_000;

let daemon: LaneDaemon;
beforeEach(async () => {
  daemon = await createLaneDaemon();
});
afterEach(async () => {
  await daemon.cleanup();
});

async function containerOf(appId: string) {
  const [container] = await containersWithLabel(LABELS.app, appId).then((list) =>
    list.filter((entry) => entry.labels[LABELS.owner] === daemon.instance),
  );
  return container;
}

// The core scenarios (install, kill, rm -f, pause, adoption, user stop, uninstall) run on every
// lane from test/lanes/core.test.ts; these are the rest, on this machine's podman.
describe('app lifecycle on real podman', () => {
  it("builds an image from the manifest's build context and runs it", async () => {
    const context = join(daemon.catalogDir, 'webui');
    await mkdir(context, { recursive: true });
    await writeFile(
      join(context, 'Containerfile'),
      'FROM localhost/podwarden/busybox-base:latest\nCOPY motd /etc/motd\n' +
        'CMD ["sh", "-c", "trap \'exit 0\' TERM; sleep 3600 & wait"]\n',
    );
    await writeFile(join(context, 'motd'), 'built by podwarden\n');
    const tag = `localhost/podwarden-build/webui-${daemon.instance}:1`;
    await daemon.writeManifest('webui', { build: { context: './webui', tag } });
    const orchestrator = await daemon.boot({ intervalMs: NO_TICK });
    await orchestrator.install('webui');
    await waitForState(orchestrator, 'webui', 'running');
    expect(await imageExistsLocally(tag)).toBe(true);
    expect(await podman(['exec', daemon.containerName('webui'), 'cat', '/etc/motd'])).toBe('built by podwarden\n');
    const removed = nextTransition(orchestrator.transitions$, (t) => t.appId === 'webui' && t.to === 'removed');
    await orchestrator.uninstall('webui');
    await removed;
    await podman(['rmi', '-f', tag]);
  });

  it('recreates a container left in Created', async () => {
    await daemon.writeManifest('web', { image: image('httpd') });
    let orchestrator = await daemon.boot({ intervalMs: NO_TICK });
    await orchestrator.install('web');
    const first = await waitForState(orchestrator, 'web', 'running');
    await orchestrator.stop();
    // Same name and labels, created but never started: what a crash between create and start leaves.
    const labels = (await inspectJson(daemon.containerName('web'))).Config.Labels ?? {};
    await removeForce(daemon.containerName('web'));
    await podman([
      'create',
      '--name',
      daemon.containerName('web'),
      ...Object.entries(labels).flatMap(([key, value]) => ['--label', `${key}=${value}`]),
      image('httpd'),
    ]);
    orchestrator = await daemon.boot({ intervalMs: NO_TICK });
    const status = await waitForState(orchestrator, 'web', 'running');
    expect(status.containerId).not.toBe(first.containerId);
    expect((await inspectJson(daemon.containerName('web'))).State.Status).toBe('running');
  });

  it('backs off a crashing image instead of restarting it in a storm', async () => {
    await daemon.writeManifest('crashy', { image: image('crasher') });
    const counted = recordingPodmanCalls('start');
    const recorder = startEventRecorder(`${LABELS.owner}=${daemon.instance}`);
    const policy = { initialMs: 1_000, factor: 2, maxMs: 60_000, resetAfterMs: 60_000 };
    const orchestrator = await daemon.boot({ intervalMs: NO_TICK, engine: counted.engine, backoff: policy });
    const began = Date.now();
    await orchestrator.install('crashy');
    // Three crashes seen, however long a loaded machine takes for them...
    const status = await waitForStatus(orchestrator, 'crashy', 'fail three times', (row) => row.failures >= 3, 60_000);
    // ...then at least 8 s in all, so a storm (hundreds of starts) would show.
    const observed = Date.now() - began;
    if (observed < 8_000) await new Promise((resolve) => setTimeout(resolve, 8_000 - observed));
    const startCalls = counted.seen.length;
    const elapsed = Date.now() - began;
    const events = await recorder.stop();
    // Load only delays restarts, so the schedule bounds the count whatever the machine's speed.
    const allowed = startsAllowedWithin(elapsed, { ...DEFAULT_BACKOFF, ...policy });
    console.log(`crash loop: ${startCalls} starts in ${elapsed} ms (the schedule allows ${allowed})`);
    expect(startCalls).toBeGreaterThanOrEqual(3);
    expect(startCalls).toBeLessThanOrEqual(allowed);
    // Counted again now: a start may have gone out while the recorder was being stopped.
    expect(events.filter((event) => event.status === 'start').length).toBeLessThanOrEqual(counted.seen.length);
    expect(status.reason).toContain('exited with code 3');
    // It exits at once on every start: after three such exits podwarden calls it a bad config.
    expect(['exited', 'bad-config']).toContain(status.failureReason?.kind);
  });

  it('lets an in-flight pull finish when stopped, and starts nothing after it', async () => {
    const ref = await pushUniqueTag('sleeper');
    await daemon.writeManifest('slowpull', { image: ref });
    const orchestrator = await daemon.boot({ intervalMs: NO_TICK });
    const pulling = nextTransition(orchestrator.transitions$, (t) => t.appId === 'slowpull' && t.to === 'pulling');
    await orchestrator.install('slowpull');
    await pulling;
    await orchestrator.stop();
    expect(await imageExistsLocally(ref)).toBe(true);
    expect(await containerOf('slowpull')).toBeUndefined();
  });

  it('never touches a container without its owner label', async () => {
    const foreignName = `${daemon.namePrefix}foreign`;
    await ensureLocalImages('sleeper');
    await podman(['run', '-d', '--name', foreignName, '--label', `${LABELS.app}=web`, image('sleeper')]);
    const otherOwner = `${daemon.namePrefix}other-owner`;
    await podman([
      'run',
      '-d',
      '--name',
      otherOwner,
      '--label',
      `${LABELS.owner}=someone-else`,
      '--label',
      `${LABELS.app}=web`,
      image('sleeper'),
    ]);
    try {
      const before = [await inspectJson(foreignName), await inspectJson(otherOwner)];
      await daemon.writeManifest('web', { image: image('httpd') });
      const orchestrator = await daemon.boot({ intervalMs: 200 });
      await orchestrator.install('web');
      await waitForState(orchestrator, 'web', 'running');
      const passes: PassReport[] = [];
      orchestrator.passes$.subscribe((pass) => passes.push(pass));
      await kill(daemon.containerName('web'));
      await waitForStatus(
        orchestrator,
        'web',
        'run again after the kill',
        (row) => row.state === 'running' && (row.restarts ?? 0) >= 1,
      );
      const seenPasses = passes.length;
      await until('three more passes', () => passes.length >= seenPasses + 3, 30_000);
      const after = [await inspectJson(foreignName), await inspectJson(otherOwner)];
      for (const [index, container] of after.entries()) {
        expect(container.Id).toBe(before[index]!.Id);
        expect(container.State.Status).toBe('running');
        expect(container.State.StartedAt).toBe(before[index]!.State.StartedAt);
      }
    } finally {
      await podman(['rm', '-f', '-t', '0', foreignName, otherOwner]);
    }
  });

  it('reports a broken manifest by file and field, and runs the other apps', async () => {
    await daemon.writeManifest('web', { image: image('httpd') });
    await daemon.writeRaw(
      'broken.yml',
      'app:\n  id: broken\n  name: Broken\n  version: "1"\n  container:\n    image: x\n    ports: ["eighty"]\n',
    );
    await daemon.writeRaw('syntax.yml', 'app: [unclosed\n');
    const orchestrator = await daemon.boot({ intervalMs: NO_TICK });
    const errors = orchestrator.catalogErrors().map(String);
    expect(errors.some((error) => error.includes('broken.yml') && error.includes('app.container.ports[0]'))).toBe(true);
    expect(errors.some((error) => error.includes('syntax.yml'))).toBe(true);
    await expect(orchestrator.install('broken')).rejects.toThrow(/broken/);
    await orchestrator.install('web');
    await waitForState(orchestrator, 'web', 'running');
  });
});

/**
 * The most starts the backoff schedule allows within `elapsedMs` of the install: the first start,
 * an immediate restart, then one after each delay at its shortest (minus the jitter).
 */
function startsAllowedWithin(elapsedMs: number, policy: BackoffPolicy): number {
  let at = 0;
  let starts = 1;
  for (let failures = 1; ; failures += 1) {
    at += backoffDelay(failures, { ...policy, jitter: 0 }) * (1 - (policy.jitter ?? 0));
    if (at > elapsedMs) return starts;
    starts += 1;
  }
}
