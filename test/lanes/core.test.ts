import { firstValueFrom } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { LABELS } from '../../src/domain/labels.js';
import type { Orchestrator } from '../../src/orchestrator.js';
import type { PassReport } from '../../machines/types.js';
import { sampleImageRef } from '../../src/engine/simulator/simulator-images.js';
import { recordingLaneCalls } from '../podman/support/engine-spy.js';
import {
  createLaneDaemon,
  nextTransition,
  waitForState,
  waitForStatus,
  type LaneDaemon,
} from '../podman/support/orchestrator-fixture.js';
import { pushUniqueTag } from '../podman/support/podman-cli.js';
import { lanesUnderTest } from './support/lane.js';
import { outside } from './support/outside.js';
import { INSTALL_PATH } from '../support/lifecycle-paths.js';

// The core scenarios, the same on every lane (PODWARDEN_LANES): what a node owner relies on
// whatever host runs podwarden. podwarden runs in this process and reaches the lane's engine
// through its API socket.

// Long enough that anything that happens within a test was caused by an event, not a tick.
const NO_TICK = 10 * 60_000;

function firstPass(orchestrator: Orchestrator): Promise<PassReport> {
  return firstValueFrom(orchestrator.passes$);
}

describe.each(lanesUnderTest())('core scenarios on $title', (lane) => {
  const engine = outside(lane);
  const httpd = sampleImageRef('httpd', lane.registry);
  let daemon: LaneDaemon;

  function boot(overrides: Parameters<LaneDaemon['boot']>[0] = {}) {
    return daemon.boot({ intervalMs: NO_TICK, ...overrides });
  }

  async function installed(): Promise<{ orchestrator: Orchestrator; containerId: string }> {
    daemon = await createLaneDaemon(lane);
    await daemon.writeManifest('web', { image: httpd });
    const orchestrator = await boot();
    await orchestrator.install('web');
    const status = await waitForState(orchestrator, 'web', 'running');
    return { orchestrator, containerId: status.containerId! };
  }

  afterEach(async () => {
    await daemon?.cleanup();
  });

  it('installs an app with a real pull from the registry and runs it', async () => {
    daemon = await createLaneDaemon(lane);
    const ref = await pushUniqueTag('httpd');
    expect(await engine.imageExists(ref)).toBe(false);
    await daemon.writeManifest('web', { image: ref });
    const orchestrator = await boot();
    const seen: string[] = [];
    orchestrator.transitions$.subscribe((t) => t.appId === 'web' && seen.push(t.to));
    await orchestrator.install('web');
    const status = await waitForState(orchestrator, 'web', 'running');
    // Installed once the gate is open, an app first waits for a fresh look at the engine.
    expect(seen.filter((state) => state !== 'observing')).toEqual([...INSTALL_PATH]);
    expect(await engine.imageExists(ref)).toBe(true);
    const inspected = await engine.inspect(daemon.containerName('web'));
    expect(inspected?.State.Status).toBe('running');
    expect(inspected?.Id).toBe(status.containerId);
    expect(inspected?.Config.Labels?.[LABELS.owner]).toBe(daemon.instance);
    await engine.removeImage(ref).catch(() => undefined);
  });

  it('restarts a killed container from the event stream, without waiting for a tick', async () => {
    const { orchestrator, containerId } = await installed();
    const passes: PassReport[] = [];
    orchestrator.passes$.subscribe((pass) => passes.push(pass));
    const passesBefore = passes.length;
    const killedAt = Date.now();
    const restarted = nextTransition(orchestrator.transitions$, (t) => t.appId === 'web' && t.to === 'running');
    await engine.kill(daemon.containerName('web'));
    await restarted;
    // The interval is 10 minutes and no pass ran: only the event stream can explain the restart.
    // How long it took is measured (npm run bench), never asserted.
    console.log(`${lane.id}: kill → running again: ${Date.now() - killedAt} ms`);
    expect(passes.length).toBe(passesBefore);
    const inspected = await engine.inspect(daemon.containerName('web'));
    expect(inspected?.Id).toBe(containerId);
    expect(inspected?.State.Status).toBe('running');
  });

  it('recreates a container removed behind its back', async () => {
    const { orchestrator, containerId } = await installed();
    await engine.removeForce(daemon.containerName('web'));
    // `rm -f` kills first: the die may restart the doomed container before its remove event arrives.
    await waitForStatus(
      orchestrator,
      'web',
      'run a new container',
      (row) => row.state === 'running' && row.containerId !== undefined && row.containerId !== containerId,
    );
    const inspected = await engine.inspect(daemon.containerName('web'));
    expect(inspected?.Id).not.toBe(containerId);
    expect(inspected?.State.Status).toBe('running');
  });

  it('recreates a paused container', async () => {
    const { orchestrator, containerId } = await installed();
    const recreating = nextTransition(orchestrator.transitions$, (t) => t.appId === 'web' && t.to === 'recreating');
    await engine.pause(daemon.containerName('web'));
    expect((await recreating).reason).toContain('paused');
    await waitForStatus(
      orchestrator,
      'web',
      'run a new container',
      (row) => row.state === 'running' && row.containerId !== containerId,
    );
    const inspected = await engine.inspect(daemon.containerName('web'));
    expect(inspected?.Id).not.toBe(containerId);
    expect(inspected?.State.Status).toBe('running');
  });

  it('adopts the running container when podwarden restarts: same id, not started again', async () => {
    const { orchestrator: first, containerId } = await installed();
    await first.stop();
    const before = await engine.inspect(daemon.containerName('web'));
    const counted = recordingLaneCalls(lane, 'pull', 'create', 'start', 'stop', 'remove');
    const second = await boot({ engine: counted.engine });
    const passed = await firstPass(second);
    const again = await waitForState(second, 'web', 'running');
    expect(passed.entries).toEqual([expect.objectContaining({ appId: 'web', action: 'none' })]);
    expect(again.containerId).toBe(containerId);
    expect(counted.log).toEqual([]);
    const after = await engine.inspect(daemon.containerName('web'));
    expect(after?.State.StartedAt).toBe(before?.State.StartedAt);
    expect(after?.RestartCount).toBe(0);
  });

  it('keeps a user-stopped app stopped, also across a restart of podwarden', async () => {
    const { orchestrator: first } = await installed();
    await first.stopApp('web');
    await waitForState(first, 'web', 'stopped');
    expect((await engine.inspect(daemon.containerName('web')))?.State.Status).toBe('exited');
    await first.stop();
    const second = await boot();
    await firstPass(second);
    await waitForState(second, 'web', 'stopped');
    expect((await engine.inspect(daemon.containerName('web')))?.State.Status).toBe('exited');
    await second.startApp('web');
    await waitForState(second, 'web', 'running');
  });

  it("acts on an image's HEALTHCHECK through whoever runs it: the engine where it runs them, else podwarden", async () => {
    daemon = await createLaneDaemon(lane);
    await daemon.writeManifest('sick', { image: sampleImageRef('unhealthy', lane.registry) });
    const counted = recordingLaneCalls(lane, 'exec');
    // Passes every 2 s: they read the verdict from the list where an event carries an old one.
    const orchestrator = await boot({ engine: counted.engine, intervalMs: 2_000 });
    const runner = lane.flavor === 'docker' || lane.id.startsWith('systemd') ? 'engine' : 'podwarden';
    await orchestrator.install('sick');
    const first = await waitForState(orchestrator, 'sick', 'running');
    expect(orchestrator.health().imageHealthchecks).toBe(runner);
    // The image's check fails every 5 s, unhealthy after 2: podwarden answers (a restart of the
    // same container when its own probe fails, a new one when the engine calls it unhealthy).
    const answered = await waitForStatus(
      orchestrator,
      'sick',
      'answer the failing check',
      (row) => (row.restarts ?? 0) >= 1 && row.state === 'running',
      90_000,
    );
    if (runner === 'engine') expect(answered.containerId).not.toBe(first.containerId);
    if (runner === 'engine') expect(counted.log).toEqual([]);
    else expect(counted.log.length).toBeGreaterThanOrEqual(2);
  });

  it('removes the container on uninstall', async () => {
    const { orchestrator } = await installed();
    const removed = nextTransition(orchestrator.transitions$, (t) => t.appId === 'web' && t.to === 'removed');
    await orchestrator.uninstall('web');
    await removed;
    expect(await engine.containersWithLabel(LABELS.owner, daemon.instance)).toEqual([]);
    expect(orchestrator.status()).toEqual([]);
  });
});
