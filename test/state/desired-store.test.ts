import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDesiredStore, DesiredStateError, type DesiredState } from '../../src/state/desired-store.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'podwarden-desired-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const installedAt = '2024-05-01T12:00:00.000Z';
const state = (apps: DesiredState['apps']): DesiredState => ({ version: 1, apps });

describe('desired store', () => {
  it('starts empty when there is no file', async () => {
    const store = createDesiredStore(path.join(root, 'state'));
    expect(store.file).toBe(path.join(root, 'state', 'desired.json'));
    expect(await store.load()).toEqual({ version: 1, apps: {} });
    // Loading creates nothing.
    expect(await readdir(root)).toEqual([]);
  });

  it('saves and loads the same state, in a private directory and file', async () => {
    const stateDir = path.join(root, 'var', 'podwarden');
    const store = createDesiredStore(stateDir);
    const saved = state({
      electrs: { desired: 'running', installedAt },
      btcpay: { desired: 'stopped', installedAt: '2024-05-02T08:30:00+02:00' },
    });
    await store.save(saved);
    expect(await createDesiredStore(stateDir).load()).toEqual(saved);
    expect((await stat(stateDir)).mode & 0o777).toBe(0o700);
    expect((await stat(store.file)).mode & 0o777).toBe(0o600);
    expect(await readdir(stateDir)).toEqual(['desired.json']);
    expect(JSON.parse(await readFile(store.file, 'utf8'))).toEqual(saved);
  });

  it('keeps what it was given at the moment of the save', async () => {
    const store = createDesiredStore(root);
    const mutable = state({ electrs: { desired: 'running', installedAt } });
    const saving = store.save(mutable);
    mutable.apps.electrs!.desired = 'stopped';
    await saving;
    expect((await store.load()).apps.electrs!.desired).toBe('running');
  });

  it('runs concurrent saves one after another, ending with the last state', async () => {
    const store = createDesiredStore(root);
    const states = Array.from({ length: 25 }, (_, i) =>
      state(
        Object.fromEntries(
          Array.from({ length: i + 1 }, (_, j) => [`app-${j}`, { desired: 'running' as const, installedAt }]),
        ),
      ),
    );
    const order: number[] = [];
    await Promise.all(states.map((s, i) => store.save(s).then(() => order.push(i))));
    expect(order).toEqual(states.map((_, i) => i));
    expect(await store.load()).toEqual(states.at(-1));
    // The file each save replaced is kept as the one previous copy: here the 24th state.
    expect((await readdir(root)).sort()).toEqual(['desired.json', 'desired.previous.json']);
    expect(JSON.parse(await readFile(store.previousFile, 'utf8'))).toEqual(states.at(-2));
  });

  it('keeps saving after a failed save', async () => {
    const blocker = path.join(root, 'not-a-dir');
    await writeFile(blocker, 'a file where the state directory should be');
    const store = createDesiredStore(blocker);
    const good = state({ electrs: { desired: 'running', installedAt } });
    await expect(store.save(good)).rejects.toThrow();
    await rm(blocker);
    await store.save(good);
    expect(await store.load()).toEqual(good);
  });

  it('refuses to save an invalid state', async () => {
    const store = createDesiredStore(root);
    const bad = { version: 1, apps: { electrs: { desired: 'paused', installedAt } } } as unknown as DesiredState;
    const error = await store.save(bad).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DesiredStateError);
    expect((error as Error).message).toContain(
      `${store.file}: refusing to save an invalid state: apps.electrs.desired:`,
    );
    await expect(store.save(state({ BAD: { desired: 'running', installedAt } }))).rejects.toThrow('apps.BAD');
    await expect(
      store.save(state({ node: { desired: 'running', installedAt, stoppedCompanions: ['../ui'] } })),
    ).rejects.toThrow('apps.node.stoppedCompanions[0]: invalid string');
    expect(await readdir(root)).toEqual([]);
  });

  it('keeps the companions the owner stopped with their app', async () => {
    const store = createDesiredStore(root);
    const saved = state({ node: { desired: 'running', installedAt, stoppedCompanions: ['ui'] } });
    await store.save(saved);
    expect(await createDesiredStore(root).load()).toEqual(saved);
  });

  describe('a corrupt or invalid file is refused and left untouched', () => {
    const cases: [string, string, string][] = [
      ['not JSON', '{"version": 1, "apps": {', 'is not valid JSON'],
      ['empty', '', 'is not valid JSON'],
      ['not an object', '[]', 'is not a valid desired-state file'],
      ['wrong version', '{"version": 2, "apps": {}}', 'version:'],
      [
        'bad desired value',
        `{"version": 1, "apps": {"electrs": {"desired": "paused", "installedAt": "${installedAt}"}}}`,
        'apps.electrs.desired:',
      ],
      [
        'bad date',
        '{"version": 1, "apps": {"electrs": {"desired": "running", "installedAt": "yesterday"}}}',
        'apps.electrs.installedAt:',
      ],
      [
        'bad app id',
        `{"version": 1, "apps": {"Electrs!": {"desired": "running", "installedAt": "${installedAt}"}}}`,
        'apps["Electrs!"]',
      ],
      ['unknown field', '{"version": 1, "apps": {}, "extra": true}', 'extra: unknown field "extra"'],
      ['missing apps', '{"version": 1}', 'apps: is required'],
    ];
    it.each(cases)('%s', async (_name, content, problem) => {
      const store = createDesiredStore(root);
      await writeFile(store.file, content);
      const error = await store.load().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DesiredStateError);
      expect((error as DesiredStateError).file).toBe(store.file);
      expect((error as Error).message).toContain(store.file);
      expect((error as Error).message).toContain(problem);

      // The daemon must not be able to replace it with a fresh, empty list by accident.
      await expect(store.save(state({}))).rejects.toThrow(`${store.file}: refusing to overwrite it`);
      expect(await readFile(store.file, 'utf8')).toBe(content);
      expect(await readdir(root)).toEqual(['desired.json']);
    });

    it('saves again once the file has been repaired and loaded', async () => {
      const store = createDesiredStore(root);
      await writeFile(store.file, '{oops');
      await expect(store.load()).rejects.toThrow(DesiredStateError);
      await writeFile(store.file, '{"version": 1, "apps": {}}');
      await store.load();
      await store.save(state({ electrs: { desired: 'running', installedAt } }));
      expect(Object.keys((await store.load()).apps)).toEqual(['electrs']);
    });

    it('a file it cannot read is refused too', async () => {
      const store = createDesiredStore(root);
      await mkdir(store.file);
      await expect(store.load()).rejects.toThrow(`${store.file}: cannot read`);
      await expect(store.save(state({}))).rejects.toThrow('refusing to overwrite it');
    });
  });
});
