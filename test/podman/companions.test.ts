import { filter } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDockerodeEngine } from '../../src/engine/dockerode/dockerode-engine.js';
import { LABELS } from '../../src/domain/labels.js';
import type { EnginePort } from '../../src/engine/port.js';
import type { AppStatus, Orchestrator } from '../../src/orchestrator.js';
import { image, SOCKET_PATH } from './support/env.js';
import { until } from '../support/until.js';
import { recordingPodmanCalls } from './support/engine-spy.js';
import { createLaneDaemon, waitForStatus, type LaneDaemon } from './support/orchestrator-fixture.js';
import { containersWithLabel, inspectJson, removeForce } from './support/podman-cli.js';

// Long enough that anything that happens within a test was caused by an event or a pass we asked for.
const NO_TICK = 10 * 60_000;

const COMPANIONS = {
  companions: [
    { id: 'ui', container: { image: image('httpd') } },
    { id: 'sidecar', container: { image: image('sleeper') } },
  ],
};

let daemon: LaneDaemon;
beforeEach(async () => {
  daemon = await createLaneDaemon();
});
afterEach(async () => {
  await daemon.cleanup();
});

function companionRow(orchestrator: Orchestrator, companion: string): AppStatus | undefined {
  return orchestrator.status().find((row) => row.appId === 'node' && row.companion === companion);
}

function waitForCompanion(
  orchestrator: Orchestrator,
  companion: string,
  match: (row: AppStatus) => boolean,
  what: string,
) {
  let last: AppStatus | undefined;
  return until(
    () => `companion ${companion} to ${what}; last: ${JSON.stringify(last)}`,
    () => {
      last = companionRow(orchestrator, companion);
      return last && match(last) ? last : undefined;
    },
    60_000,
  );
}

async function allRunning(orchestrator: Orchestrator): Promise<void> {
  await waitForStatus(orchestrator, 'node', 'run', (row) => !row.companion && row.state === 'running');
  await waitForCompanion(orchestrator, 'ui', (row) => row.state === 'running', 'run');
  await waitForCompanion(orchestrator, 'sidecar', (row) => row.state === 'running', 'run');
}

async function ownContainers(): Promise<string[]> {
  const list = await containersWithLabel(LABELS.owner, daemon.instance);
  return list.map((entry) => entry.names?.[0] ?? '').sort();
}

describe('companions (container backend) on real podman', () => {
  it('are created after their app runs, stop and start with it, and are removed before it', async () => {
    await daemon.writeManifest('node', { image: image('httpd') }, COMPANIONS);
    const counted = recordingPodmanCalls('create', 'start', 'remove');
    const orchestrator = await daemon.boot({ intervalMs: NO_TICK, engine: counted.engine });
    await orchestrator.install('node');
    await allRunning(orchestrator);
    const app = daemon.containerName('node');
    const ui = `${app}-ui`;
    const sidecar = `${app}-sidecar`;
    expect((await inspectJson(ui)).Config.Labels).toMatchObject({
      [LABELS.role]: 'companion',
      [LABELS.companion]: 'ui',
      [LABELS.app]: 'node',
    });
    const nameOf = new Map<string, string>();
    for (const name of [app, ui, sidecar]) nameOf.set((await inspectJson(name)).Id, name);
    const appStarted = counted.log.findIndex((c) => c.call === 'start' && nameOf.get(c.subject) === app);
    const companionCreated = counted.log.findIndex(
      (c) => c.call === 'create' && (c.subject === ui || c.subject === sidecar),
    );
    expect(appStarted).toBeGreaterThanOrEqual(0);
    expect(companionCreated).toBeGreaterThan(appStarted);

    await orchestrator.stopApp('node');
    await waitForStatus(orchestrator, 'node', 'stop', (row) => !row.companion && row.state === 'stopped');
    await waitForCompanion(orchestrator, 'ui', (row) => row.state === 'stopped', 'stop');
    await waitForCompanion(orchestrator, 'sidecar', (row) => row.state === 'stopped', 'stop');
    expect((await inspectJson(ui)).State.Status).toBe('exited');
    expect((await inspectJson(app)).State.Status).toBe('exited');

    await orchestrator.startApp('node');
    await allRunning(orchestrator);
    expect((await inspectJson(sidecar)).State.Status).toBe('running');

    for (const name of [app, ui, sidecar]) nameOf.set((await inspectJson(name)).Id, name);
    await orchestrator.uninstall('node');
    // The spy logs a call as it begins; the app's machine finishes (and its rows go) only once
    // the remove call has returned, so after that no container of this daemon may be left.
    await until(
      () =>
        `the app's removal to finish; calls: ${JSON.stringify(counted.log)}; rows: ${JSON.stringify(orchestrator.status())}`,
      () =>
        counted.log.some((c) => c.call === 'remove' && nameOf.get(c.subject) === app) &&
        orchestrator.status().length === 0,
      30_000,
    );
    const removals = counted.log.filter((c) => c.call === 'remove').map((c) => nameOf.get(c.subject) ?? c.subject);
    expect(removals).toHaveLength(3);
    expect(removals[2]).toBe(app);
    expect(removals.slice(0, 2).sort()).toEqual([sidecar, ui].sort());
    expect(await ownContainers()).toEqual([]);
  });

  it('a companion deleted behind podwarden’s back is back at once from its events; its app is untouched', async () => {
    await daemon.writeManifest('node', { image: image('httpd') }, COMPANIONS);
    const orchestrator = await daemon.boot({ intervalMs: NO_TICK });
    await orchestrator.install('node');
    await allRunning(orchestrator);
    const appBefore = await inspectJson(daemon.containerName('node'));
    const uiBefore = companionRow(orchestrator, 'ui')!.containerId!;
    await removeForce(`${daemon.containerName('node')}-ui`);
    const back = await waitForCompanion(
      orchestrator,
      'ui',
      (row) => row.state === 'running' && row.containerId !== uiBefore,
      'come back',
    );
    expect((await inspectJson(`${daemon.containerName('node')}-ui`)).Id).toBe(back.containerId);
    const appAfter = await inspectJson(daemon.containerName('node'));
    expect(appAfter.Id).toBe(appBefore.Id);
    expect(appAfter.State.StartedAt).toBe(appBefore.State.StartedAt);
  });

  it('without events, one pass repairs a deleted companion and reports it', async () => {
    await daemon.writeManifest('node', { image: image('httpd') }, COMPANIONS);
    const real = createDockerodeEngine({ socketPath: SOCKET_PATH });
    // The real engine, with companions' events lost: only a pass can notice.
    const companionEventsLost: EnginePort['events'] = (labels) =>
      real
        .events(labels)
        .pipe(filter((event) => event.kind !== 'container' || event.labels[LABELS.role] !== 'companion'));
    const deaf = new Proxy(real, {
      get(target, property) {
        if (property === 'events') return companionEventsLost;
        const value = Reflect.get(target, property) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const orchestrator = await daemon.boot({ intervalMs: NO_TICK, engine: deaf });
    await orchestrator.install('node');
    await allRunning(orchestrator);
    const sidecarBefore = companionRow(orchestrator, 'sidecar')!.containerId!;
    await removeForce(`${daemon.containerName('node')}-sidecar`);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(companionRow(orchestrator, 'sidecar')!.containerId).toBe(sidecarBefore);
    const report = await orchestrator.reconcileNow();
    expect(report.entries.find((entry) => entry.companion === 'sidecar')).toMatchObject({
      appId: 'node',
      action: 'create',
    });
    const back = await waitForCompanion(
      orchestrator,
      'sidecar',
      (row) => row.state === 'running' && row.containerId !== sidecarBefore,
      'come back',
    );
    expect((await inspectJson(`${daemon.containerName('node')}-sidecar`)).Id).toBe(back.containerId);
  });

  it('are adopted, not recreated, when podwarden restarts', async () => {
    await daemon.writeManifest('node', { image: image('httpd') }, COMPANIONS);
    const first = await daemon.boot({ intervalMs: NO_TICK });
    await first.install('node');
    await allRunning(first);
    const before = first.status().map((row) => row.containerId);
    await first.stop();
    const second = await daemon.boot({ intervalMs: NO_TICK });
    await allRunning(second);
    await second.reconcileNow();
    expect(second.status().map((row) => row.containerId)).toEqual(before);
  });
});
