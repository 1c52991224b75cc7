/**
 * Update downtime on real podman (issue 13 item 8): how long an app does not serve HTTP while
 * it is updated, from the last answer of the old version to the first of the new one, its port
 * polled every ~20 ms. Three ways, taken in turn in each round so that they share the machine's
 * load: podwarden's `download-then-replace` (the new image fetched while the old version
 * serves), podwarden's `stop-first`, and the plain stop → pull → start a seed-style orchestrator
 * does, as podman commands (the baseline). Each run's new version is a fresh ~50 MB image (the
 * httpd sample plus a layer of random bytes) pushed to the local registry under a new tag and
 * absent from the engine, so every pull downloads that layer. podwarden's app has a small data
 * dir, so its snapshot (taken with the old version stopped) is part of its downtime.
 * Part of `npm run bench:ops` (BENCH_ONLY=update runs it alone; BENCH_UPDATE_ROUNDS, default 3).
 * Needs the engine and registry of scripts/setup-engine.sh; printed, never asserted.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { LABELS } from '../src/domain/labels.js';
import { createDockerodeEngine } from '../src/engine/dockerode/dockerode-engine.js';
import { silentLogger } from '../src/log.js';
import { createOrchestrator } from '../src/orchestrator.js';
import { sampleImageRef } from '../src/engine/simulator/simulator-images.js';
import { freePort } from '../test/support/free-port.js';
import { until } from '../test/support/until.js';

const run = promisify(execFile);
const REGISTRY = process.env.PODWARDEN_REGISTRY ?? '127.0.0.1:5000';
const SOCKET = process.env.PODWARDEN_SOCKET ?? '/run/podman/podman.sock';
const BASE = sampleImageRef('httpd', REGISTRY);
const ROUNDS = Number(process.env.BENCH_UPDATE_ROUNDS ?? 3);
const LAYER_BYTES = 50 * 1024 * 1024;
const POLL_MS = 20;

const podman = async (args: string[]) => (await run('podman', args, { maxBuffer: 16 * 1024 * 1024 })).stdout.trim();

/** A fresh ~50 MB image on the registry, under a new tag, and not in the engine's store. */
async function pushBigImage(): Promise<string> {
  const context = await mkdtemp(join(tmpdir(), 'podwarden-bench-image-'));
  try {
    await writeFile(join(context, 'blob'), randomBytes(LAYER_BYTES));
    await writeFile(join(context, 'Containerfile'), `FROM ${BASE}\nCOPY blob /blob\n`);
    const ref = `${REGISTRY}/podwarden/bench-update:t${randomBytes(6).toString('hex')}`;
    // --format docker keeps the base's HEALTHCHECK; --pull=never: the base is local (pulled once).
    await podman(['build', '--quiet', '--format', 'docker', '--pull=never', '-t', ref, context]);
    await podman(['push', '--quiet', '--tls-verify=false', '--format', 'v2s2', ref]);
    await podman(['rmi', ref]);
    return ref;
  } finally {
    await rm(context, { recursive: true, force: true });
  }
}

/**
 * Polls http://127.0.0.1:port/ every ~20 ms; the page names the version serving (APP_NAME).
 * `downtime()` waits for `to` to answer and gives the time since `from` last answered.
 */
function watchServing(port: number) {
  let lastAnswer: { body: string; at: number } | undefined;
  const lastOf = new Map<string, number>();
  const firstOf = new Map<string, number>();
  let polling = true;
  const loop = (async () => {
    while (polling) {
      const begun = performance.now();
      const body = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1_000) })
        .then(async (response) => (response.ok ? await response.text() : undefined))
        .catch(() => undefined);
      const at = performance.now();
      const version = body === undefined ? undefined : /<title>(.*)<\/title>/.exec(body)?.[1];
      if (version !== undefined) {
        lastAnswer = { body: version, at };
        lastOf.set(version, at);
        if (!firstOf.has(version)) firstOf.set(version, at);
      }
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, POLL_MS - (at - begun))));
    }
  })();
  return {
    serving: (version: string) => until(`${version} to serve on :${port}`, () => lastAnswer?.body === version, 120_000),
    async downtime(from: string, to: string): Promise<number> {
      await until(`${to} to serve on :${port}`, () => firstOf.has(to), 300_000, POLL_MS);
      polling = false;
      await loop;
      return firstOf.get(to)! - lastOf.get(from)!;
    },
  };
}

/** podwarden (in this process, on the real engine) updating an app from the httpd sample to `bigImage`. */
async function podwardenUpdate(strategy: 'download-then-replace' | 'stop-first', bigImage: string): Promise<number> {
  const root = await mkdtemp(join(tmpdir(), 'podwarden-bench-update-'));
  const instance = `bench-update-${randomBytes(4).toString('hex')}`;
  const port = await freePort();
  const manifest = (version: number, image: string) => ({
    app: {
      id: 'web',
      name: 'web',
      version: `${version}.0`,
      update: { strategy, verify: { minHealthy: '1s', deadline: '120s' } },
      container: {
        image,
        env: { APP_NAME: `v${version}` },
        ports: [`127.0.0.1:${port}:8080`],
        volumes: ['./data:/data'],
        stopTimeout: '10s',
      },
    },
  });
  await mkdir(join(root, 'catalog'));
  await mkdir(join(root, 'state', 'apps', 'web', 'data'), { recursive: true });
  await writeFile(join(root, 'state', 'apps', 'web', 'data', 'db'), randomBytes(1024 * 1024));
  await writeFile(join(root, 'catalog', 'web.yml'), stringify(manifest(1, BASE)));
  const orchestrator = createOrchestrator({
    engine: createDockerodeEngine({ socketPath: SOCKET }),
    catalogDir: join(root, 'catalog'),
    stateDir: join(root, 'state'),
    instance,
    namePrefix: `${instance}-`,
    insecureRegistries: [REGISTRY],
    logger: silentLogger(),
    intervalMs: 60 * 60_000,
  });
  try {
    await orchestrator.start();
    await orchestrator.install('web', { wait: { timeoutMs: 120_000 } });
    const watch = watchServing(port);
    await watch.serving('v1');
    await writeFile(join(root, 'catalog', 'web.yml'), stringify(manifest(2, bigImage)));
    await orchestrator.reloadCatalog();
    const downtime = await watch.downtime('v1', 'v2');
    await until(
      'the update to be verified',
      () => orchestrator.status().find((row) => row.appId === 'web')?.lastUpdate?.result === 'updated',
      300_000,
    );
    return downtime;
  } finally {
    await orchestrator.stop();
    const ids = (await podman(['ps', '-aq', '--filter', `label=${LABELS.owner}=${instance}`])).split('\n');
    if (ids.some(Boolean)) await podman(['rm', '-f', '-t', '0', ...ids.filter(Boolean)]);
    await rm(root, { recursive: true, force: true });
  }
}

/** The baseline: what a seed-style orchestrator does with podman, stop → pull → start. */
async function seedStyleUpdate(bigImage: string): Promise<number> {
  const name = `podwarden-bench-seed-${randomBytes(4).toString('hex')}`;
  const port = await freePort();
  const runArgs = (version: number, image: string) => [
    'run',
    '-d',
    '--name',
    name,
    '-p',
    `127.0.0.1:${port}:8080`,
    '-e',
    `APP_NAME=v${version}`,
    image,
  ];
  try {
    await podman(runArgs(1, BASE));
    const watch = watchServing(port);
    await watch.serving('v1');
    await podman(['stop', '-t', '10', name]);
    await podman(['pull', '--quiet', '--tls-verify=false', bigImage]);
    await podman(['rm', name]);
    await podman(runArgs(2, bigImage));
    return await watch.downtime('v1', 'v2');
  } finally {
    await podman(['rm', '-f', '-t', '0', name]).catch(() => undefined);
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export async function updateDowntime(): Promise<void> {
  const reachable = await podman(['pull', '--quiet', '--tls-verify=false', BASE]).then(
    () => true,
    (error: unknown) => {
      console.log(`update downtime: not measured (podman or the registry at ${REGISTRY} not there: ${String(error)})`);
      return false;
    },
  );
  if (!reachable) return;
  const cases = {
    'stop → pull → start with podman (seed-style baseline)': seedStyleUpdate,
    'podwarden download-then-replace': (image: string) => podwardenUpdate('download-then-replace', image),
    'podwarden stop-first': (image: string) => podwardenUpdate('stop-first', image),
  };
  const samples = new Map<string, number[]>(Object.keys(cases).map((name) => [name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, update] of Object.entries(cases)) {
      const image = await pushBigImage();
      try {
        samples.get(name)!.push(await update(image));
      } finally {
        await podman(['rmi', '-f', image]).catch(() => undefined);
      }
    }
  }
  for (const [name, values] of samples) {
    const shown = values.map((ms) => (ms / 1000).toFixed(2)).join(', ');
    console.log(
      `update downtime, ${name}: median ${(median(values) / 1000).toFixed(2)} s (runs: ${shown} s; ~50 MB image; poll every ${POLL_MS} ms)`,
    );
  }
}
