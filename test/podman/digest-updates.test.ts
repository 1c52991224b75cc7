import { randomBytes } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SampleImageName } from '../../src/engine/simulator/simulator-images.js';
import { REGISTRY } from './support/env.js';
import { createLaneDaemon, waitForStatus, type LaneDaemon } from './support/orchestrator-fixture.js';
import { ensureLocalImages, inspectJson, podman, removeImage } from './support/podman-cli.js';
import { image } from './support/env.js';

/**
 * Same tag, new digest (docs/updates.md): the test pushes one sample image under a fresh tag,
 * installs it, then pushes another sample image under the SAME tag. `imageOffers` (what
 * `podwarden outdated` lists) must see both digests, and `updateApp` must take the new image
 * through the update lifecycle: a good one is verified, a crashing one rolled back to the old
 * image by id (the tag on this host names the bad one by then).
 */

const NO_TICK = 60 * 60_000;
const WAIT = { wait: { timeoutMs: 120_000 } };
const UPDATE = { strategy: 'download-then-replace', verify: { minHealthy: '3s', deadline: '60s' } };
let daemon: LaneDaemon;
let tag: string;

beforeEach(async () => {
  daemon = await createLaneDaemon();
  tag = `${REGISTRY}/podwarden/digest-test:t${randomBytes(6).toString('hex')}`;
});
afterEach(async () => {
  await daemon.cleanup();
  await removeImage(tag);
});

/** Pushes the sample image `name` to the registry as `tag` (v2s2, as the setup does) and returns the digest pushed. */
async function pushAs(name: SampleImageName): Promise<string> {
  await ensureLocalImages(name);
  const staging = `${tag}-staging`;
  const digestFile = join(tmpdir(), `podwarden-digest-${randomBytes(4).toString('hex')}`);
  await podman(['tag', image(name), staging]);
  try {
    await podman([
      'push',
      '--quiet',
      '--tls-verify=false',
      '--format',
      'v2s2',
      '--digestfile',
      digestFile,
      staging,
      `docker://${tag}`,
    ]);
    const written = await readFile(digestFile, 'utf8');
    const digest = written.trim().match(/^sha256:[0-9a-f]{64}$/)?.[0];
    if (!digest) throw new Error(`podman push wrote no digest: ${written}`);
    return digest;
  } finally {
    await removeImage(staging);
    await rm(digestFile, { force: true });
  }
}

async function imageIdOf(name: SampleImageName): Promise<string> {
  const [entry] = JSON.parse(await podman(['image', 'inspect', image(name)])) as { Id: string }[];
  return `sha256:${entry!.Id.replace(/^sha256:/, '')}`;
}

async function runningImageId(): Promise<string> {
  const container = (await inspectJson(daemon.containerName('web'))) as unknown as { Image: string };
  return `sha256:${container.Image.replace(/^sha256:/, '')}`;
}

async function installed() {
  await daemon.writeManifest('web', { image: tag }, { version: '1.0', update: UPDATE });
  const orchestrator = await daemon.boot({ intervalMs: NO_TICK });
  await orchestrator.install('web', WAIT);
  return orchestrator;
}

describe('same tag, new digest on real podman', () => {
  it('outdated lists both digests, update replaces the image and verifies it', async () => {
    const first = await pushAs('sleeper');
    const orchestrator = await installed();
    expect(await orchestrator.imageOffers()).toEqual([
      expect.objectContaining({ appId: 'web', running: first, offered: first, newer: false }),
    ]);

    const second = await pushAs('httpd');
    expect(second).not.toBe(first);
    const [offer] = await orchestrator.imageOffers();
    expect(offer).toMatchObject({ appId: 'web', image: tag, running: first, offered: second, newer: true });
    expect(offer!.runningImageId).toBe(await imageIdOf('sleeper'));

    const row = await orchestrator.updateApp('web', WAIT);
    expect(row).toMatchObject({
      state: 'running',
      version: '1.0',
      lastUpdate: { result: 'updated', toDigest: second },
    });
    expect(await runningImageId()).toBe(await imageIdOf('httpd'));
    const [after] = await orchestrator.imageOffers();
    expect(after).toMatchObject({ running: second, offered: second, newer: false });
    expect((await orchestrator.explain('web')).summary).toContain(`Updated 1.0 (new image ${second.slice(0, 19)})`);
  });

  it('a new digest that crashes is rolled back to the old image by id, and not retried unasked', async () => {
    await pushAs('sleeper');
    const orchestrator = await installed();
    const oldId = await runningImageId();
    const bad = await pushAs('crasher');

    await expect(orchestrator.updateApp('web', WAIT)).rejects.toThrow(/was rolled-back/);
    const row = orchestrator.status().find((entry) => entry.appId === 'web');
    expect(row).toMatchObject({ lastUpdate: { result: 'rolled-back', toDigest: bad } });
    await waitForStatus(orchestrator, 'web', 'run the old image', (entry) => entry.state === 'running');
    expect(await runningImageId()).toBe(oldId);
    const [offer] = await orchestrator.imageOffers();
    // podman moved the repository's digest to the pulled image: the old one is known by its id alone now.
    expect(offer).toMatchObject({ runningImageId: oldId, offered: bad, newer: true });
    expect(offer!.running).not.toBe(bad);
    expect((await orchestrator.explain('web')).summary).toContain(`Rolled back 1.0 (new image ${bad.slice(0, 19)})`);
    // A restart of the container (podman rm -f) brings the old image back, not the tag's.
    await podman(['rm', '-f', daemon.containerName('web')]);
    await orchestrator.reconcileNow();
    await waitForStatus(orchestrator, 'web', 'run again', (entry) => entry.state === 'running');
    expect(await runningImageId()).toBe(oldId);
  });
});
