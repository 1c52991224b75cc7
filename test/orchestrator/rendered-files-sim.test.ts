import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createSimDaemon, image, useSimDaemons, type SimDaemon } from './sim-daemon.js';
import { INSTALL_PATH, START_PATH } from '../support/lifecycle-paths.js';

const HOUR = 60 * 60_000;
const INTERVAL = 30_000;
let dirs: string;

beforeEach(async () => {
  dirs = await mkdtemp(join(tmpdir(), 'podwarden-render-sim-'));
  await mkdir(join(dirs, 'secrets'));
});
afterEach(async () => {
  await rm(dirs, { recursive: true, force: true });
});
// Registered last, so its cleanup runs first (after-hooks run in reverse): the daemons stop before their dirs go.
useSimDaemons();

/**
 * Rendering reads and writes real files, which fake timers do not drive: let the file system
 * answer (each await of an fs call yields to its thread pool) between fake-clock steps.
 */
const realSetTimeout = globalThis.setTimeout;
const RESTING = new Set(['running', 'backoff', 'stopped']);

/** A render while running shows in no status field: a pass gets `atLeast` rounds of real time. */
async function settle(w: SimDaemon, atLeast = 3): Promise<void> {
  for (let i = 0; i < 500; i++) {
    await w.advance(0);
    await new Promise((resolve) => realSetTimeout(resolve, 1));
    const state = w.orchestrator.status()[0]?.state;
    if (state !== undefined && RESTING.has(state) && i >= atLeast) return;
  }
}

/**
 * `count` passes; when the last one should change something, `until` says what, and the file
 * system gets real time (up to 10 s on a loaded machine) to answer before the test looks.
 */
async function passes(w: SimDaemon, count: number, until?: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < count; i++) {
    await w.advance(INTERVAL);
    await settle(w, 60);
  }
  const deadline = Date.now() + 10_000;
  while (until && !(await until()) && Date.now() < deadline) await settle(w, 1);
}

const resting = (w: SimDaemon) => RESTING.has(w.orchestrator.status()[0]?.state ?? '');

async function bootWith(files: unknown[], values = 'PASSWORD=one\n'): Promise<SimDaemon> {
  await writeFile(join(dirs, 'secrets', 'web.env'), values);
  const w = await createSimDaemon(
    {},
    { intervalMs: INTERVAL, dataDir: join(dirs, 'apps'), secretsDir: join(dirs, 'secrets') },
  );
  await writeFile(
    join(w.catalogDir, 'web.yml'),
    stringify({
      app: { id: 'web', name: 'web', version: '1', container: { image: image('httpd') }, files, values: 'web.env' },
    }),
  );
  await w.orchestrator.reloadCatalog();
  await w.orchestrator.install('web');
  await settle(w);
  return w;
}

const states = (w: SimDaemon) => w.transitions.filter((t) => t.appId === 'web').map((t) => t.to);
const startsOf = (w: SimDaemon, id: string) => w.starts.filter((s) => s.id === id).length;

describe('rendered files (simulated engine and clock)', () => {
  it('renders before the first start; a rotated secret restarts the app exactly once, at the next pass, counting no crash', async () => {
    const daemon = await bootWith([{ path: 'www/index.html', template: 'pw={{PASSWORD}}' }]);
    expect(states(daemon)).toEqual(['observing', ...INSTALL_PATH]);
    expect(await readFile(join(dirs, 'apps/web/www/index.html'), 'utf8')).toBe('pw=one');
    const id = daemon.containerId('web')!;
    await passes(daemon, 3);
    expect(startsOf(daemon, id)).toBe(1);

    await writeFile(join(dirs, 'secrets', 'web.env'), 'PASSWORD=two\n');
    await passes(daemon, 1, () => resting(daemon) && states(daemon).length >= 12);
    expect(await readFile(join(dirs, 'apps/web/www/index.html'), 'utf8')).toBe('pw=two');
    expect(states(daemon).slice(7)).toEqual(['restarting', ...START_PATH]);
    const restart = daemon.transitions.find((t) => t.to === 'restarting')!;
    expect(restart.reason).toBe('a rendered file changed; restarting so the app reads it');
    expect(daemon.orchestrator.status()[0]).toMatchObject({ state: 'running', failures: 0, containerId: id });
    expect(startsOf(daemon, id)).toBe(2);

    await passes(daemon, 5);
    expect(startsOf(daemon, id)).toBe(2);
    expect(states(daemon)).toHaveLength(12);
  });

  it('a template that cannot be rendered starts nothing and says why', async () => {
    const daemon = await bootWith([{ path: 'a.conf', template: 'pw={{PASSWORD}} port={{PORT}}' }]);
    const row = daemon.orchestrator.status()[0]!;
    expect(row.state).toBe('backoff');
    expect(row.failure).toMatch(
      /^render failed: .*web\.yml: app\.files\[0\]\.template: the template uses \{\{PORT\}\}, which .*web\.env does not define$/,
    );
    expect(daemon.starts).toHaveLength(0);
  });

  it('a render that starts failing while running keeps the container and its old file, counts, and backs off with the reason', async () => {
    const daemon = await bootWith([{ path: 'a.conf', template: 'pw={{PASSWORD}}' }]);
    const id = daemon.containerId('web')!;
    await writeFile(join(dirs, 'secrets', 'web.env'), 'OTHER=x\n');
    await passes(daemon, 1, () => resting(daemon) && daemon.orchestrator.status()[0]!.failures >= 1);
    // The first failure after a good run costs no wait: the app is back in running at once.
    const first = daemon.orchestrator.status()[0]!;
    expect(first).toMatchObject({ state: 'running', failures: 1, containerStatus: 'running' });
    expect(first.failure).toContain('{{PASSWORD}}');
    expect(first.failure).not.toContain('one');
    await passes(daemon, 1, () => resting(daemon) && daemon.orchestrator.status()[0]!.failures >= 2);
    const second = daemon.orchestrator.status()[0]!;
    expect(second).toMatchObject({ state: 'backoff', failures: 2, containerStatus: 'running' });
    expect(await readFile(join(dirs, 'apps/web/a.conf'), 'utf8')).toBe('pw=one');
    expect(startsOf(daemon, id)).toBe(1);
  });

  it('an app without files goes through rendering with nothing to write', async () => {
    const daemon = await createSimDaemon({ plain: { image: image('sleeper') } }, { intervalMs: HOUR });
    await daemon.orchestrator.install('plain');
    await daemon.advance(10);
    expect(daemon.orchestrator.status()[0]?.state).toBe('running');
  });
});
