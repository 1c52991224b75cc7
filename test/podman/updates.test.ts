import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Orchestrator } from '../../src/orchestrator.js';
import type { Transition } from '../../src/streams/transitions.js';
import { image } from './support/env.js';
import { createLaneDaemon, waitForStatus, type LaneDaemon } from './support/orchestrator-fixture.js';
import { inspectJson } from './support/podman-cli.js';

/**
 * Updates on real podman (docs/updates.md): each app keeps a file in its data dir that every
 * version's start appends to, so the tests can see what a version did to the data, and what a
 * rollback put back. Versions differ by their command and env, which is all an update needs.
 */

const NO_TICK = 60 * 60_000;
const WAIT = { wait: { timeoutMs: 120_000 } };
let daemon: LaneDaemon;

beforeEach(async () => {
  daemon = await createLaneDaemon();
});
afterEach(async () => {
  await daemon.cleanup();
});

/** A version of the app: its start appends `v<n>` to /data/log, then runs `then` (default: serve). */
function version(n: number, then = 'httpd -f -p 8080 -h /data & wait') {
  return {
    image: image('httpd'),
    // /data/health answers the image's own HEALTHCHECK (GET /health), which podwarden runs as the liveness probe.
    command: ['sh', '-c', `trap "exit 0" TERM INT; echo v${n} >> /data/log; echo ok > /data/health; ${then}`],
    env: { APP_VERSION: String(n) },
    volumes: ['./data:/data'],
  };
}

const UPDATE = { strategy: 'download-then-replace', verify: { minHealthy: '3s', deadline: '60s' } };

async function writeVersion(n: number, then?: string, extra: Record<string, unknown> = {}) {
  await daemon.writeManifest('web', version(n, then), { version: `${n}.0`, update: UPDATE, ...extra });
}

const dataFile = (name: string) => join(daemon.stateDir, 'apps', 'web', 'data', name);

function record(orchestrator: Orchestrator): Transition[] {
  const seen: Transition[] = [];
  orchestrator.transitions$.subscribe((t) => t.appId === 'web' && seen.push(t));
  return seen;
}

/** The app's row once its update ended with `result` and it runs (a generous deadline: a loaded machine is slow). */
function ended(orchestrator: Orchestrator, result: string) {
  return waitForStatus(
    orchestrator,
    'web',
    `end its update ${result} and run`,
    (row) => row.lastUpdate?.result === result && row.state === 'running',
    120_000,
  );
}

/** v1 installed and running, with a database file the next versions may rewrite. */
async function runningV1(overrides: Parameters<LaneDaemon['boot']>[0] = {}) {
  await mkdir(dataFile(''), { recursive: true });
  await writeFile(dataFile('db'), 'v1 database\n');
  await writeVersion(1);
  const orchestrator = await daemon.boot({ intervalMs: NO_TICK, ...overrides });
  await orchestrator.install('web', WAIT);
  return orchestrator;
}

describe('updates on real podman', () => {
  it('a good new version: fetched, snapshot of the data kept, replaced, proven, and said so everywhere', async () => {
    const orchestrator = await runningV1();
    const transitions = record(orchestrator);
    await writeVersion(2);
    await orchestrator.reloadCatalog();
    const row = await ended(orchestrator, 'updated');
    expect(row).toMatchObject({ state: 'running', version: '2.0', lastUpdate: { from: '1.0', to: '2.0' } });
    expect(await readFile(dataFile('log'), 'utf8')).toBe('v1\nv2\n');
    // The snapshot holds the data as v1 left it.
    const snapshots = join(daemon.stateDir, 'snapshots', 'web');
    const [taken] = (await readdir(snapshots)).filter((name) => !name.startsWith('.'));
    expect(await readFile(join(snapshots, taken!, 'data', 'data', 'log'), 'utf8')).toBe('v1\n');
    const container = await inspectJson(daemon.containerName('web'));
    expect(container.Config.Env).toContain('APP_VERSION=2');
    expect(transitions.map((t) => t.to)).toContain('updating');
    const explained = await orchestrator.explain('web');
    expect(explained.summary).toContain('Updated 1.0 → 2.0 at ');
  });

  it('a new version whose migration rewrites the data and then crashes: rolled back, the data restored byte for byte, not retried unasked', async () => {
    const orchestrator = await runningV1();
    const before = await readFile(dataFile('db'));
    await writeVersion(2, 'echo migrated > /data/db; exit 1');
    await orchestrator.reloadCatalog();
    const row = await ended(orchestrator, 'rolled-back');
    expect(row.version).toBe('1.0');
    expect(row.lastUpdate?.reason).toMatch(/^the new version failed during its trial: /);
    expect(await readFile(dataFile('db'))).toEqual(before);
    // v1's start after the rollback appended again to the restored log: v2's line is gone.
    expect(await readFile(dataFile('log'), 'utf8')).toBe('v1\nv1\n');
    const container = await inspectJson(daemon.containerName('web'));
    expect(container.Config.Env).toContain('APP_VERSION=1');

    // The catalog still offers v2: a reload does not try it again; the owner's update does.
    await orchestrator.reloadCatalog();
    expect(orchestrator.status().find((r) => r.appId === 'web')?.state).toBe('running');
    await expect(orchestrator.updateApp('web', WAIT)).rejects.toThrow(/was rolled-back/);
  });

  it('a new version that turns unhealthy 20 s into its trial is rolled back', async () => {
    const orchestrator = await runningV1();
    // Healthy for 20 s, well inside its trial, then stops serving /health: the liveness probe gives up.
    await writeVersion(2, '(sleep 20; rm -f /data/health) & httpd -f -p 8080 -h /data & wait', {
      update: { ...UPDATE, verify: { minHealthy: '45s', deadline: '90s' } },
      probes: {
        liveness: { http: { path: '/health', port: 8080 }, interval: '1s', timeout: '500ms', failureThreshold: 2 },
      },
    });
    await orchestrator.reloadCatalog();
    const row = await ended(orchestrator, 'rolled-back');
    expect(row.lastUpdate?.reason).toContain('liveness');
    expect(row.version).toBe('1.0');
  });

  it('stop-first: the old version is stopped before the new image is fetched', async () => {
    const orchestrator = await runningV1();
    await writeVersion(2, undefined, { update: { ...UPDATE, strategy: 'stop-first' } });
    await orchestrator.reloadCatalog();
    await ended(orchestrator, 'updated');
    const journal = (await readFile(join(daemon.stateDir, 'journal.ndjson'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; step?: string; seq: number });
    const intents = journal.filter((r) => r.type === 'intent').map((r) => r.step);
    const lastInstallStart = intents.indexOf('start');
    const updateSteps = intents.slice(lastInstallStart + 1);
    expect(updateSteps.indexOf('stop')).toBeLessThan(updateSteps.indexOf('pull'));
  });

  it('no room for the snapshot: the update is refused with the reason, v1 keeps its data and runs again', async () => {
    // A reserve no disk has: the snapshot's preflight refuses (the image is already present, so no pull checks it).
    const orchestrator = await runningV1({ diskReserveBytes: 2 ** 50 });
    await writeVersion(2);
    await orchestrator.reloadCatalog();
    const row = await ended(orchestrator, 'abandoned');
    expect(row.lastUpdate?.reason).toMatch(/snapshot/);
    expect(row.version).toBe('1.0');
    expect(await readFile(dataFile('log'), 'utf8')).toBe('v1\nv1\n');
  });

  it('the owner rolls back a verified update: the old version runs again on the data from before it', async () => {
    const orchestrator = await runningV1();
    await writeVersion(2);
    await orchestrator.reloadCatalog();
    await ended(orchestrator, 'updated');
    const row = await orchestrator.rollbackApp('web', WAIT);
    expect(row).toMatchObject({ state: 'running', version: '1.0', lastUpdate: { result: 'rolled-back' } });
    expect(await readFile(dataFile('log'), 'utf8')).toBe('v1\nv1\n');
  });
});
