import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recordingPodmanCalls } from './support/engine-spy.js';
import { createLaneDaemon, waitForState, waitForStatus, type LaneDaemon } from './support/orchestrator-fixture.js';
import { imageExistsLocally, inspectJson, pushUniqueTag, removeImage } from './support/podman-cli.js';

// Passes are left to install and the first pass; the failure reasons show in status().
const NO_TICK = 10 * 60_000;

let daemon: LaneDaemon;
let refs: string[];
beforeEach(async () => {
  daemon = await createLaneDaemon();
  refs = [];
});
afterEach(async () => {
  await daemon.cleanup();
  for (const ref of refs) await removeImage(ref);
});

async function uniqueRef(): Promise<string> {
  const ref = await pushUniqueTag('sleeper');
  refs.push(ref);
  expect(await imageExistsLocally(ref)).toBe(false);
  return ref;
}

describe('image policy on real podman', () => {
  it('build and image: a broken build falls back to a real pull of the image from the registry', async () => {
    const ref = await uniqueRef();
    const context = join(daemon.catalogDir, 'broken');
    await mkdir(context, { recursive: true });
    await writeFile(join(context, 'Containerfile'), 'FROM localhost/podwarden/busybox-base:latest\nRUN exit 7\n');
    await daemon.writeManifest('app', { image: ref, build: { context: './broken' } });
    const orchestrator = await daemon.boot({ intervalMs: NO_TICK });
    await orchestrator.install('app');
    await waitForState(orchestrator, 'app', 'running', 60_000);
    expect(await imageExistsLocally(ref)).toBe(true);
    expect((await inspectJson(daemon.containerName('app'))).ImageName).toBe(ref);
  });

  it('pull policy never with the image absent: the app waits with a clear reason, nothing is pulled', async () => {
    const ref = await uniqueRef();
    await daemon.writeManifest('app', { image: ref, pullPolicy: 'never' });
    const orchestrator = await daemon.boot({ intervalMs: NO_TICK });
    await orchestrator.install('app');
    const row = await waitForStatus(orchestrator, 'app', 'fail', (r) => r.failure !== undefined);
    expect(row.failureReason?.kind).toBe('image-not-found');
    expect(row.failure).toContain(`image ${ref} is not present and the pull policy is "never"`);
    expect(await imageExistsLocally(ref)).toBe(false);
  });

  it('a plain-HTTP registry not listed as insecure: a clear reason naming the option, nothing is pulled', async () => {
    const ref = await uniqueRef();
    await daemon.writeManifest('app', { image: ref });
    const orchestrator = await daemon.boot({ intervalMs: NO_TICK, insecureRegistries: [] });
    await orchestrator.install('app');
    const row = await waitForStatus(orchestrator, 'app', 'fail', (r) => r.failure !== undefined);
    expect(row.failure).toContain("speaks plain HTTP and is not in podwarden's insecureRegistries");
    expect(row.failure).toContain('--insecure-registry 127.0.0.1:5000');
    expect(await imageExistsLocally(ref)).toBe(false);
  });

  it('disk preflight: a requirement above the real free space is refused with the reason, before any pull', async () => {
    const ref = await uniqueRef();
    await daemon.writeManifest('big', { image: ref }, { requirements: { disk: '5000TiB' } });
    const counted = recordingPodmanCalls('pull');
    const orchestrator = await daemon.boot({
      intervalMs: NO_TICK,
      engine: counted.engine,
      diskReserveBytes: 1024 ** 3,
    });
    await orchestrator.install('big');
    const row = await waitForStatus(orchestrator, 'big', 'fail', (r) => r.failure !== undefined);
    expect(row.failureReason?.kind).toBe('disk-full');
    expect(row.failure).toMatch(
      /^disk full before pull: [\d.]+ [KMGT]?i?B free on \/var\/lib\/containers\/storage, app big needs 5000 TiB \+ 1 GiB reserve \(free some space, or lower --disk-reserve\)$/,
    );
    expect(counted.seen).toEqual([]);
    expect(await imageExistsLocally(ref)).toBe(false);
  });
});
