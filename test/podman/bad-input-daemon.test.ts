import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createApiClient, type ApiClient } from '../../src/api/client.js';
import { LABELS } from '../../src/domain/labels.js';
import type { AppStatus, CatalogApp } from '../../src/orchestrator.js';
import { apiCorpus, expectRefused } from '../corpus/api-corpus.js';
import { CORPUS, OUTSIDE_SECRET, refusedAsExpected, writeCorpus } from '../corpus/manifest-corpus.js';
import { until } from '../support/until.js';
import { daemonArgs, runCli, startDaemon, type Daemon } from './support/daemon.js';
import { image } from './support/env.js';
import { inspectJson, removeAllWithLabel } from './support/podman-cli.js';

/**
 * The daemon on real podman, fed the whole bad-input corpus by a SIGHUP while two good apps
 * run: every bad file is refused with its field and reason, the good apps keep their
 * containers (same ids, never restarted), nothing from outside the catalog reaches any
 * output, and the API corpus gets the answers docs/api.md promises. One of the good apps binds
 * a host folder its owner's policy allows, so status and explain show it.
 */

const tag = randomBytes(3).toString('hex');
const instance = `badin-${tag}`;
const web = `web${tag}`;
const sleeper = `sleep${tag}`;
const other = `other${tag}`;
let root: string;
let catalogDir: string;
let shared: string;
let daemon: Daemon;
let client: ApiClient;

async function writeApp(id: string, container: Record<string, unknown>): Promise<void> {
  await writeFile(
    join(catalogDir, `${id}.yml`),
    stringify({ app: { id, name: id, version: '1', container: { stopTimeout: '2s', ...container } } }),
  );
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pw-badin-'));
  catalogDir = join(root, 'catalog');
  shared = join(root, 'shared');
  await mkdir(catalogDir);
  await mkdir(shared);
  // httpd's image HEALTHCHECK reads /health of what it serves: a healthy app, never restarted.
  await writeFile(join(shared, 'health'), 'ok\n');
  await mkdir(join(root, 'state'), { mode: 0o700 });
  await writeFile(
    join(root, 'state', 'policy.yml'),
    stringify({ apps: { [web]: { bind: [{ path: shared, readOnly: true }] } } }),
  );
  await chmod(join(root, 'state', 'policy.yml'), 0o600);
  await writeApp(web, {
    image: image('httpd'),
    command: ['sh', '-c', 'trap "exit 0" TERM INT; httpd -f -p 8080 -h /shared & wait'],
    volumes: [`${shared}:/shared:ro`],
  });
  await writeApp(sleeper, { image: image('sleeper') });
  await writeApp(other, { image: image('sleeper') });
  daemon = startDaemon([...daemonArgs(root, instance), '--install', web, '--install', sleeper]);
  client = createApiClient({ socketPath: join(root, 'state', 'podwarden.sock') });
  for (const id of [web, sleeper]) {
    await until(
      () => `${id} running (daemon output: ${daemon.output()})`,
      async () => (await client.get<AppStatus>(`/v1/apps/${id}`).catch(() => undefined))?.state === 'running',
      60_000,
    );
  }
});

afterAll(async () => {
  daemon?.process.kill('SIGTERM');
  await daemon?.exited;
  await removeAllWithLabel(LABELS.owner, instance);
  await rm(root, { recursive: true, force: true });
});

describe('a live daemon fed the bad-input corpus', () => {
  it('shows the host right the policy gives, with its rule, in status and explain', async () => {
    const rule = `bind ${shared} (read-only) by apps.${web}.bind[0] in ${join(root, 'state', 'policy.yml')}`;
    expect((await client.get<AppStatus>(`/v1/apps/${web}`)).rights).toEqual([rule]);
    expect((await client.get<AppStatus>(`/v1/apps/${sleeper}`)).rights).toBeUndefined();
    expect((await client.get<{ text: string }>(`/v1/apps/${web}/explain`)).text).toContain(
      `It runs with host rights the owner's policy gives it: ${rule}.`,
    );
    expect(daemon.output()).toContain(`${web} may use ${rule}`);
    const status = await runCli(['status', '--socket', join(root, 'state', 'podwarden.sock')]);
    expect(status.stdout).toContain(`host rights the owner's policy gives:\n  ${web}: ${rule}`);
  });

  it('refuses every bad file on SIGHUP, keeps the good apps as they were, and leaks nothing', async () => {
    const before = await Promise.all([web, sleeper].map((id) => inspectJson(`podwarden-${id}`)));
    await writeCorpus(catalogDir, join(root, 'outside'));
    // A file that sorts first and claims an installed app.
    await writeFile(
      join(catalogDir, 'aaa-impostor.yml'),
      stringify({ app: { id: web, name: 'Impostor', version: '6', container: { image: image('crasher') } } }),
    );

    const health: number[] = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const started = performance.now();
        const answer = await client.raw('GET', '/healthz');
        expect(answer.status).toBe(200);
        health.push(performance.now() - started);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    const sent = performance.now();
    daemon.process.kill('SIGHUP');
    const catalog = await until(
      'every corpus file refused in /v1/catalog',
      async () => {
        const answer = await client.get<{
          apps: CatalogApp[];
          errors: Array<{ file: string; path: string; line?: number; message: string }>;
        }>('/v1/catalog');
        return [...CORPUS].every(([name, refusal]) => refusedAsExpected(answer.errors, join(catalogDir, name), refusal))
          ? answer
          : undefined;
      },
      60_000,
    );
    const refusedAfter = performance.now() - sent;
    polling = false;
    await poller;
    const sorted = [...health].sort((a, b) => a - b);
    console.log(
      `corpus of ${CORPUS.size} refused ${refusedAfter.toFixed(0)} ms after SIGHUP; /healthz during the reload: ` +
        `${health.length} answers, p50 ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1)} ms, max ${sorted.at(-1)!.toFixed(1)} ms`,
    );

    expect(catalog.apps.map((app) => app.appId).sort()).toEqual([other, sleeper, web].sort());
    expect(catalog.errors).toContainEqual(
      expect.objectContaining({
        file: join(catalogDir, 'aaa-impostor.yml'),
        path: 'app.id',
        message: expect.stringContaining(
          `"${web}" is installed from ${join(catalogDir, `${web}.yml`)}; this file claims the same app and is ignored`,
        ),
      }),
    );
    const after = await Promise.all([web, sleeper].map((id) => inspectJson(`podwarden-${id}`)));
    expect(after.map((container) => [container.Id, container.State.StartedAt, container.State.Running])).toEqual(
      before.map((container) => [container.Id, container.State.StartedAt, true]),
    );
    expect((await client.get<AppStatus>(`/v1/apps/${web}`)).state).toBe('running');

    const socket = join(root, 'state', 'podwarden.sock');
    const outputs = [
      daemon.output(),
      JSON.stringify(catalog),
      (await runCli(['catalog', '--socket', socket])).stdout,
      (await runCli(['status', '--socket', socket, '--json'])).stdout,
    ];
    for (const output of outputs) expect(output).not.toContain(OUTSIDE_SECRET);
    expect(daemon.output()).toContain('catalog reloaded');
  });

  it('answers the API corpus as docs/api.md says, over its socket', async () => {
    for (const request of apiCorpus(web, other)) {
      try {
        await expectRefused(client, request);
      } catch (error) {
        throw new Error(`${request.name}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
    }
    expect((await client.get<AppStatus>(`/v1/apps/${web}`)).state).toBe('running');
  });

  it('install of a refused app says why; validate exits 1 naming the rule', async () => {
    const socket = join(root, 'state', 'podwarden.sock');
    const install = await runCli(['install', 'bad-cap-sys-admin', '--socket', socket]);
    expect(install.code).toBe(1);
    expect(install.stderr).toContain('app.container.capAdd[0]: asks for the host capability SYS_ADMIN');
    const validate = await runCli([
      'validate',
      '--state-dir',
      join(root, 'state'),
      join(catalogDir, 'host-folder.yml'),
      join(catalogDir, `${web}.yml`),
    ]);
    expect(validate.code).toBe(1);
    expect(validate.stderr).toContain(`no rule in ${join(root, 'state', 'policy.yml')} allows it`);
    expect(validate.stdout).toContain(`allowed: ${web} may use bind ${shared} (read-only) by apps.${web}.bind[0] in `);
  });
});

describe('signals at any moment', () => {
  it('a SIGHUP and a SIGTERM during start-up neither kill the daemon nor go unheard', async () => {
    // An empty catalog of its own: a missing one is refused before the daemon starts (exit 2).
    await mkdir(join(root, 'second', 'catalog'), { recursive: true });
    const early = startDaemon(daemonArgs(join(root, 'second'), `${instance}-2`));
    await until(
      () => `the daemon to start (output: ${early.output()})`,
      () => early.output().includes('"msg":"starting"'),
      60_000,
    );
    early.process.kill('SIGHUP');
    early.process.kill('SIGTERM');
    expect(await early.exited).toBe(0);
    const output = early.output();
    expect(output).toMatch(/SIGHUP during start-up: the catalog is reloaded once start-up is done|catalog reloaded/);
    expect(output).toMatch(/SIGTERM during start-up: stopping as soon as start-up is done|"signal":"SIGTERM"/);
    expect(output).toContain('"msg":"stopped"');
  });
});
