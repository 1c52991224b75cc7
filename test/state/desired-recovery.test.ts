import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../src/state/atomic-write.js';
import { createDesiredStore, DesiredStateError, type DesiredState } from '../../src/state/desired-store.js';
import { removeStaleTempFiles } from '../../src/state/stale-temp-files.js';

// Issue 11: an unreadable desired.json must stop podwarden with a way out (a kept previous copy),
// and the temp files of interrupted writes must not pile up.

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'podwarden-desired-recovery-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const installedAt = '2026-12-01T12:00:00.000Z';
const state = (apps: DesiredState['apps']): DesiredState => ({ version: 1, apps });

describe('the previous copy of desired.json', () => {
  it('each save keeps the file it replaces; the first save has none to keep', async () => {
    const store = createDesiredStore(root);
    await store.save(state({ web: { desired: 'running', installedAt } }));
    expect(await readdir(root)).toEqual(['desired.json']);
    await store.save(state({ web: { desired: 'stopped', installedAt } }));
    expect(JSON.parse(await readFile(store.previousFile, 'utf8'))).toEqual(
      state({ web: { desired: 'running', installedAt } }),
    );
    expect((await readdir(root)).sort()).toEqual(['desired.json', 'desired.previous.json']);
  });

  it('an unreadable file is refused with the problem and the way out: the previous copy and its apps', async () => {
    const store = createDesiredStore(root);
    await store.save(state({ web: { desired: 'running', installedAt }, db: { desired: 'stopped', installedAt } }));
    await store.save(state({ web: { desired: 'running', installedAt } }));
    await writeFile(store.file, '{"version": 1, "apps": {"web": ');
    const error = (await store.loadOrMissing().catch((e: unknown) => e)) as DesiredStateError;
    expect(error).toBeInstanceOf(DesiredStateError);
    expect(error.file).toBe(store.file);
    expect(error.problem).toMatch(/^is not valid JSON/);
    expect(error.previous).toBe(store.previousFile);
    expect(error.remedy).toContain(`cp ${store.previousFile} ${store.file}`);
    expect(error.remedy).toContain('installed: web, db (stopped)');
    expect(error.remedy).toContain(`mv ${store.file} ${store.file}.broken`);
  });

  it('without a previous copy, the way out says so', async () => {
    const store = createDesiredStore(root);
    await writeFile(store.file, '[]');
    const error = (await store.loadOrMissing().catch((e: unknown) => e)) as DesiredStateError;
    expect(error.previous).toBeUndefined();
    expect(error.remedy).toContain(`there is no previous copy (${store.previousFile})`);
  });

  it('a missing file is told apart from an empty one', async () => {
    const store = createDesiredStore(root);
    expect(await store.loadOrMissing()).toBeUndefined();
    await store.save(state({}));
    expect(await store.loadOrMissing()).toEqual(state({}));
  });
});

describe('temp files of interrupted atomic writes', () => {
  it('are removed at start; the targets and other files stay', async () => {
    await writeFileAtomic(path.join(root, 'desired.json'), '{}');
    // What a kill -9 between the temp file and its rename leaves.
    await writeFile(path.join(root, '.desired.json.4242.0123456789ab.tmp'), '{"version": 1, "apps": {"half');
    await writeFile(path.join(root, '.journal.ndjson.77.abcdefabcdef.tmp'), '');
    await writeFile(path.join(root, 'notes.tmp'), 'not ours');
    expect((await removeStaleTempFiles(root)).sort()).toEqual([
      '.desired.json.4242.0123456789ab.tmp',
      '.journal.ndjson.77.abcdefabcdef.tmp',
    ]);
    expect((await readdir(root)).sort()).toEqual(['desired.json', 'notes.tmp']);
    expect(await removeStaleTempFiles(path.join(root, 'missing'))).toEqual([]);
  });
});
