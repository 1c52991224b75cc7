import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { LABELS } from '../../src/domain/labels.js';
import { image } from './support/env.js';
import { until } from '../support/until.js';
import { daemonArgs, startDaemon } from './support/daemon.js';
import { inspectJson, removeAllWithLabel, startEventRecorder } from './support/podman-cli.js';

const tag = randomBytes(3).toString('hex');
const instance = `clitest-${tag}`;
const appId = `web${tag}`;
const container = `podwarden-${appId}`;
let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'podwarden-cli-'));
  await mkdir(join(root, 'catalog'));
  await writeFile(
    join(root, 'catalog', `${appId}.yml`),
    stringify({ app: { id: appId, name: 'CLI test', version: '1', container: { image: image('httpd') } } }),
  );
});

afterAll(async () => {
  await removeAllWithLabel(LABELS.owner, instance);
  await rm(root, { recursive: true, force: true });
});

describe('podwarden run (the daemon)', () => {
  it('installs, exits 0 on SIGTERM leaving the container running, and adopts it on the next start', async () => {
    const first = startDaemon([...daemonArgs(root, instance), '--install', appId]);
    await until(
      () => `${container} running (daemon output: ${first.output()})`,
      async () => (await inspectJson(container).catch(() => undefined))?.State.Status === 'running',
      60_000,
    );
    const { Id } = await inspectJson(container);
    first.process.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(first.output()).toContain('"msg":"stopped"');
    expect((await inspectJson(container)).State.Status).toBe('running');

    const recorder = startEventRecorder(`${LABELS.owner}=${instance}`);
    const second = startDaemon(daemonArgs(root, instance));
    await until('recovery in the second daemon', () => second.output().includes('recovery done'), 30_000);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    second.process.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    const events = await recorder.stop();
    // The image HEALTHCHECK, run as podwarden's exec probe, may leave exec events: it touches nothing.
    expect(events.filter((event) => !['health_status', 'exec', 'exec_died'].includes(event.status))).toEqual([]);
    expect((await inspectJson(container)).Id).toBe(Id);
  });

  it('keeps running with a clear error when the engine socket is unreachable, and stops cleanly', async () => {
    const daemon = startDaemon(daemonArgs(root, instance, join(root, 'no-such.sock')));
    await until('an error naming the socket', () => daemon.output().includes('no-such.sock'), 30_000);
    expect(daemon.process.exitCode).toBeNull();
    daemon.process.kill('SIGTERM');
    expect(await daemon.exited).toBe(0);
  });
});
