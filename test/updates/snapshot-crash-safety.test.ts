import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/domain/clock.js';
import {
  listSnapshots,
  pruneSnapshots,
  recoverRestore,
  restoreSnapshot,
  takeSnapshot,
  type DataSnapshot,
} from '../../src/updates/index.js';
import { fingerprint, makeDataTree } from './support/data-tree.js';

const run = promisify(execFile);

let root: string;
let dataDir: string;
let snapshotsDir: string;
let appDir: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'podwarden-snapshot-crash-'));
  dataDir = path.join(root, 'apps', 'electrs');
  snapshotsDir = path.join(root, 'snapshots');
  appDir = path.join(snapshotsDir, 'electrs');
  await mkdir(dataDir, { recursive: true });
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const clockAt = (ms: number) => ({ ...systemClock, now: () => ms });
const take = (version: string, at: number) =>
  takeSnapshot({ appId: 'electrs', version, dataDir, snapshotsDir, clock: clockAt(at) });
const siblings = async () => (await readdir(path.dirname(dataDir))).sort();

describe('half-made snapshots', () => {
  it('a leftover .partial folder (a take cut short) and a named folder without metadata are never listed, and are removed', async () => {
    await makeDataTree(dataDir);
    const whole = await take('1', 1_000);
    // What a kill during the copy leaves: a temp folder with part of the data, no metadata.
    await mkdir(path.join(appDir, '.partial-4242-deadbeef', 'data'), { recursive: true });
    await writeFile(path.join(appDir, '.partial-4242-deadbeef', 'data', 'settings.conf'), 'half');
    // And a removal cut short, and a folder that lost its metadata.
    await mkdir(path.join(appDir, '.removing-0123456789ab', 'data'), { recursive: true });
    await run('cp', ['-a', whole.path, path.join(appDir, 'no-metadata')]);
    await rm(path.join(appDir, 'no-metadata', 'snapshot.json'));

    expect((await listSnapshots(snapshotsDir, 'electrs')).map((s) => s.path)).toEqual([whole.path]);
    expect(await readdir(appDir)).toEqual([path.basename(whole.path)]);
  });

  it('a snapshot folder with metadata it cannot understand is not listed, and prune removes it', async () => {
    const whole = await take('1', 1_000);
    await run('cp', ['-a', whole.path, path.join(appDir, 'garbled')]);
    await writeFile(path.join(appDir, 'garbled', 'snapshot.json'), '{"format": 1, "appId": "electrs"');
    expect((await listSnapshots(snapshotsDir, 'electrs')).map((s) => s.path)).toEqual([whole.path]);
    expect(await pruneSnapshots(snapshotsDir, 'electrs', 5)).toEqual([path.join(appDir, 'garbled')]);
    expect(await readdir(appDir)).toEqual([path.basename(whole.path)]);
  });

  it('lists nothing for an app without snapshots (or without the folder)', async () => {
    expect(await listSnapshots(snapshotsDir, 'electrs')).toEqual([]);
    expect(await pruneSnapshots(snapshotsDir, 'electrs', 1)).toEqual([]);
  });
});

describe('pruneSnapshots', () => {
  it('keeps the newest N, listed newest first', async () => {
    const taken: DataSnapshot[] = [];
    for (const [version, at] of [
      ['1', 1_000],
      ['2', 4_000],
      ['3', 2_000],
      ['4', 3_000],
    ] as const) {
      await writeFile(path.join(dataDir, 'version'), version);
      taken.push(await take(version, at));
    }
    expect((await listSnapshots(snapshotsDir, 'electrs')).map((s) => s.version)).toEqual(['2', '4', '3', '1']);
    const removed = await pruneSnapshots(snapshotsDir, 'electrs', 2);
    expect(removed.sort()).toEqual([taken[0]!.path, taken[2]!.path].sort());
    const kept = await listSnapshots(snapshotsDir, 'electrs');
    expect(kept.map((s) => s.version)).toEqual(['2', '4']);
    expect(kept[0]).toEqual(taken[1]);
    expect(await pruneSnapshots(snapshotsDir, 'electrs', 0)).toHaveLength(2);
    expect(await readdir(appDir)).toEqual([]);
  });

  it('refuses a number to keep that is not a whole number ≥ 0', async () => {
    await expect(pruneSnapshots(snapshotsDir, 'electrs', -1)).rejects.toMatchObject({
      code: 'invalid',
      message: 'cannot prune the snapshots of app electrs: keep -1 is not a whole number ≥ 0',
    });
    await expect(pruneSnapshots(snapshotsDir, 'electrs', 1.5)).rejects.toMatchObject({ code: 'invalid' });
  });
});

describe('recoverRestore: a restore cut short is finished, or never happened', () => {
  // The restore's steps, each a rename or a removal: copy to .electrs.restoring, rename it
  // .electrs.restored, move electrs to .electrs.aside, rename .electrs.restored to electrs,
  // remove .electrs.aside. Each test leaves the folders as a kill after one step would.
  let snapshot: DataSnapshot;
  let old: string[];
  let restoredPrint: string[];
  const side = (name: string) => path.join(path.dirname(dataDir), `.electrs.${name}`);
  const copySnapshotTo = (target: string) => run('cp', ['-a', path.join(snapshot.path, 'data'), target]);

  beforeEach(async () => {
    await makeDataTree(dataDir);
    restoredPrint = await fingerprint(dataDir);
    snapshot = await take('1', 1_000);
    await writeFile(path.join(dataDir, 'settings.conf'), 'migrated by v2\n');
    old = await fingerprint(dataDir);
  });

  it('after "moved aside": the restored copy goes into place, the old data is removed', async () => {
    await copySnapshotTo(side('restored'));
    await rename(dataDir, side('aside'));
    expect(await recoverRestore(dataDir)).toBe('finished');
    expect(await fingerprint(dataDir)).toEqual(restoredPrint);
    expect(await siblings()).toEqual(['electrs']);
  });

  it('after the copy was whole but before the data was moved: goes forward too', async () => {
    await copySnapshotTo(side('restored'));
    expect(await recoverRestore(dataDir)).toBe('finished');
    expect(await fingerprint(dataDir)).toEqual(restoredPrint);
    expect(await siblings()).toEqual(['electrs']);
  });

  it('during the copy: the incomplete copy is removed, the data dir is as it was', async () => {
    await mkdir(side('restoring'));
    await writeFile(path.join(side('restoring'), 'settings.conf'), 'half');
    expect(await recoverRestore(dataDir)).toBe('cleaned');
    expect(await fingerprint(dataDir)).toEqual(old);
    expect(await siblings()).toEqual(['electrs']);
  });

  it('during the removal of the old data: the removal is finished', async () => {
    await copySnapshotTo(side('aside'));
    expect(await recoverRestore(dataDir)).toBe('cleaned');
    expect(await fingerprint(dataDir)).toEqual(old);
    expect(await siblings()).toEqual(['electrs']);
  });

  it('old data aside and nothing to replace it: put back', async () => {
    await rename(dataDir, side('aside'));
    expect(await recoverRestore(dataDir)).toBe('put-back');
    expect(await fingerprint(dataDir)).toEqual(old);
    expect(await siblings()).toEqual(['electrs']);
  });

  it('nothing under way: nothing done; and a restore after any cut-short one still restores', async () => {
    expect(await recoverRestore(dataDir)).toBe('nothing');
    await mkdir(side('restoring'));
    await restoreSnapshot(snapshot, dataDir);
    expect(await fingerprint(dataDir)).toEqual(restoredPrint);
    expect(await siblings()).toEqual(['electrs']);
  });
});
