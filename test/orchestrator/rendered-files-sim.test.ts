import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createSimWorld, image, useSimWorlds, type SimWorld } from './sim-world.js';

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
// Registered last, so its cleanup runs first (after-hooks run in reverse): the worlds stop before their dirs go.
useSimWorlds();

/**
 * Rendering reads and writes real files, which fake timers do not drive: let the file system
 * answer (each await of an fs call yields to its thread pool) between fake-clock steps.
 */
const realSetTimeout = globalThis.setTimeout;
const RESTING = new Set(['running', 'backoff', 'stopped']);

/** A render while running shows in no status field: a pass gets `atLeast` rounds of real time. */
async function settle(w: SimWorld, atLeast = 3): Promise<void> {
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
async function passes(w: SimWorld, count: number, until?: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < count; i++) {
    await w.advance(INTERVAL);
    await settle(w, 60);
  }
  const deadline = Date.now() + 10_000;
  while (until && !(await until()) && Date.now() < deadline) await settle(w, 1);
}

const resting = (w: SimWorld) => RESTING.has(w.orchestrator.status()[0]?.state ?? '');

async function bootWith(files: unknown[], values = 'PASSWORD=one\n'): Promise<SimWorld> {
  await writeFile(join(dirs, 'secrets', 'web.env'), values);
  const w = await createSimWorld(
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

const states = (w: SimWorld) => w.transitions.filter((t) => t.appId === 'web').map((t) => t.to);
const startsOf = (w: SimWorld, id: string) => w.starts.filter((s) => s.id === id).length;

describe('rendered files (simulated engine and clock)', () => {
  it('renders before the first start; a rotated secret restarts the app exactly once, at the next pass, counting no crash', async () => {
    const world = await bootWith([{ path: 'www/index.html', template: 'pw={{PASSWORD}}' }]);
    expect(states(world)).toEqual([
      'observing',
      'pulling',
      'creating',
      'rendering',
      'starting',
      'confirming',
      'running',
    ]);
    expect(await readFile(join(dirs, 'apps/web/www/index.html'), 'utf8')).toBe('pw=one');
    const id = world.containerId('web')!;
    await passes(world, 3);
    expect(startsOf(world, id)).toBe(1);

    await writeFile(join(dirs, 'secrets', 'web.env'), 'PASSWORD=two\n');
    await passes(world, 1, () => resting(world) && states(world).length >= 12);
    expect(await readFile(join(dirs, 'apps/web/www/index.html'), 'utf8')).toBe('pw=two');
    expect(states(world).slice(7)).toEqual(['restarting', 'rendering', 'starting', 'confirming', 'running']);
    const restart = world.transitions.find((t) => t.to === 'restarting')!;
    expect(restart.reason).toBe('a rendered file changed; restarting so the app reads it');
    expect(world.orchestrator.status()[0]).toMatchObject({ state: 'running', failures: 0, containerId: id });
    expect(startsOf(world, id)).toBe(2);

    await passes(world, 5);
    expect(startsOf(world, id)).toBe(2);
    expect(states(world)).toHaveLength(12);
  });

  it('a template that cannot be rendered starts nothing and says why', async () => {
    const world = await bootWith([{ path: 'a.conf', template: 'pw={{PASSWORD}} port={{PORT}}' }]);
    const row = world.orchestrator.status()[0]!;
    expect(row.state).toBe('backoff');
    expect(row.failure).toMatch(
      /^render failed: .*web\.yml: app\.files\[0\]\.template: the template uses \{\{PORT\}\}, which .*web\.env does not define$/,
    );
    expect(world.starts).toHaveLength(0);
  });

  it('a render that starts failing while running keeps the container and its old file, counts, and backs off with the reason', async () => {
    const world = await bootWith([{ path: 'a.conf', template: 'pw={{PASSWORD}}' }]);
    const id = world.containerId('web')!;
    await writeFile(join(dirs, 'secrets', 'web.env'), 'OTHER=x\n');
    await passes(world, 1, () => resting(world) && world.orchestrator.status()[0]!.failures >= 1);
    // The first failure after a good run costs no wait: the app is back in running at once.
    const first = world.orchestrator.status()[0]!;
    expect(first).toMatchObject({ state: 'running', failures: 1, containerStatus: 'running' });
    expect(first.failure).toContain('{{PASSWORD}}');
    expect(first.failure).not.toContain('one');
    await passes(world, 1, () => resting(world) && world.orchestrator.status()[0]!.failures >= 2);
    const second = world.orchestrator.status()[0]!;
    expect(second).toMatchObject({ state: 'backoff', failures: 2, containerStatus: 'running' });
    expect(await readFile(join(dirs, 'apps/web/a.conf'), 'utf8')).toBe('pw=one');
    expect(startsOf(world, id)).toBe(1);
  });

  it('an app without files goes through rendering with nothing to write', async () => {
    const world = await createSimWorld({ plain: { image: image('sleeper') } }, { intervalMs: HOUR });
    await world.orchestrator.install('plain');
    await world.advance(10);
    expect(world.orchestrator.status()[0]?.state).toBe('running');
  });
});
