import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { LABELS } from '../../src/domain/labels.js';
import { until } from '../support/until.js';
import { image } from './support/env.js';
import { daemonArgs, runCli, startDaemon, type Daemon } from './support/daemon.js';
import { inspectJson, removeAllWithLabel, type ContainerInspect } from './support/podman-cli.js';

// A companion by its own id, through the CLI, on real podman: `logs`, `stop`, `start` and
// `restart` of `<app>/ui` act on the companion's container alone; its app keeps its run.

const tag = randomBytes(3).toString('hex');
const instance = `cmptest-${tag}`;
const appId = `cmp${tag}`;
const companion = `${appId}/ui`;
const appContainer = `podwarden-${appId}`;
const uiContainer = `podwarden-${appId}-ui`;
let root: string;
let socket: string;
let daemon: Daemon;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pw-companion-cli-'));
  await mkdir(join(root, 'catalog'));
  await writeFile(
    join(root, 'catalog', `${appId}.yml`),
    stringify({
      app: {
        id: appId,
        name: 'Companion test',
        version: '1',
        container: { image: image('httpd'), stopTimeout: '2s' },
        companions: [{ id: 'ui', container: { image: image('httpd'), stopTimeout: '2s' } }],
      },
    }),
  );
  socket = join(root, 'state', 'podwarden.sock');
  daemon = startDaemon(daemonArgs(root, instance));
  await until(
    () => `the daemon to open its gate: ${daemon.output()}`,
    () => daemon.output().includes('recovery done'),
    30_000,
  );
});

afterAll(async () => {
  daemon?.process.kill('SIGTERM');
  await daemon?.exited;
  await removeAllWithLabel(LABELS.owner, instance);
  await rm(root, { recursive: true, force: true });
});

const cli = (...args: string[]) => runCli([...args, '--socket', socket]);

/** The container once `match` holds for what podman says of it (polled; never podman's events). */
function containerWhere(name: string, what: string, match: (inspected: ContainerInspect) => boolean) {
  let last: ContainerInspect | undefined;
  return until(
    () => `${name} to be ${what}; last: ${JSON.stringify(last?.State)}`,
    async () => {
      last = await inspectJson(name).catch(() => undefined);
      return last && match(last) ? last : undefined;
    },
    60_000,
  );
}

const running = (inspected: ContainerInspect) => inspected.State.Status === 'running';

describe('a companion by its own id through the CLI, on real podman', () => {
  it('install runs the app and its companion; logs <app>/ui shows the companion’s output', async () => {
    const installed = await cli('install', appId);
    expect(installed.code, installed.stderr).toBe(0);
    await containerWhere(uiContainer, 'running', running);
    const logs = await until(
      'the companion to say it serves',
      async () => {
        const result = await cli('logs', companion, '--tail', '5');
        return result.stdout.includes('httpd: serving') ? result : undefined;
      },
      30_000,
    );
    expect(logs.code).toBe(0);
  });

  it('stop <app>/ui stops the companion alone and keeps it stopped; start and restart bring it back, the app untouched', async () => {
    const app = await containerWhere(appContainer, 'running', running);

    const stopped = await cli('stop', companion);
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(stopped.stdout).toBe(`${companion}: stopped\n`);
    await containerWhere(uiContainer, 'exited', (inspected) => inspected.State.Status === 'exited');
    const appNow = await inspectJson(appContainer);
    expect(appNow.State.Status).toBe('running');
    expect(appNow.State.StartedAt).toBe(app.State.StartedAt);
    const saved = JSON.parse(await readFile(join(root, 'state', 'desired.json'), 'utf8'));
    expect(saved.apps[appId].stoppedCompanions).toEqual(['ui']);
    const explained = await cli('explain', companion);
    expect(explained.stdout).toContain(`The owner stopped it: it stays stopped, whatever ${appId} does`);

    const started = await cli('start', companion, '--timeout', '60s');
    expect(started.code, started.stderr).toBe(0);
    expect(started.stdout).toMatch(new RegExp(`^${companion}: running`));
    const ui = await containerWhere(uiContainer, 'running', running);

    const restarted = await cli('restart', companion, '--timeout', '60s');
    expect(restarted.code, restarted.stderr).toBe(0);
    expect(restarted.stdout).toMatch(new RegExp(`^${companion}: running again`));
    await containerWhere(
      uiContainer,
      'running on a new start',
      (inspected) => running(inspected) && inspected.State.StartedAt !== ui.State.StartedAt,
    );
    const appAfter = await inspectJson(appContainer);
    expect(appAfter.Id).toBe(app.Id);
    expect(appAfter.State.StartedAt).toBe(app.State.StartedAt);
  });

  it('a companion the app does not have is refused by name, exit 1', async () => {
    const result = await cli('stop', `${appId}/nope`);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`app "${appId}" has no companion "nope"`);
  });
});
