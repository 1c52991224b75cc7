import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { restoreSnapshot, snapshotPreflight, SnapshotError, takeSnapshot } from '../../src/updates/index.js';
import { mountSmallDisk } from '../chaos/support/small-disk.js';
import { fingerprint, randomBytesOf } from './support/data-tree.js';

// A small file system of its own (a tmpfs: root, as here and in CI) runs out of room under a
// snapshot, or under a restore's copy. Each test unmounts its own (and small-disk.ts does at
// exit); no sweep of leftovers here: this runs beside the chaos lane, whose disks it would take.

const MiB = 1024 * 1024;
let root: string;
let dataDir: string;
let small: Awaited<ReturnType<typeof mountSmallDisk>>;

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'podwarden-snapshot-disk-'));
  small = await mountSmallDisk(path.join(root, 'small'), 4 * MiB);
  dataDir = path.join(root, 'apps', 'electrs');
  await mkdir(dataDir, { recursive: true });
});
afterEach(async () => {
  await small.unmount();
  await rm(root, { recursive: true, force: true });
});

async function fill(dir: string, files: number): Promise<void> {
  for (let i = 0; i < files; i++) await writeFile(path.join(dir, `blk${i}.dat`), randomBytesOf(MiB, i + 1));
}

describe('a snapshot that does not fit', () => {
  it('the preflight refuses it first, naming the app, the data dir, the snapshots dir and the sizes', async () => {
    await fill(dataDir, 6);
    const snapshotsDir = path.join(small.dir, 'snapshots');
    const error = await snapshotPreflight(dataDir, snapshotsDir, 0).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SnapshotError);
    expect(error).toMatchObject({ code: 'no-space', appId: 'electrs', path: snapshotsDir });
    expect((error as Error).message).toMatch(
      new RegExp(
        `^no room for a snapshot of app electrs: its data dir ${dataDir} takes 6\\.0 MiB, podwarden keeps 0 B in reserve, and ${snapshotsDir} has [\\d.]+ (KiB|MiB) free`,
      ),
    );
    // Nothing was made by asking.
    expect(await readdir(small.dir)).toEqual([]);
  });

  it('the preflight passes when it fits with the reserve, and counts the reserve when it does not', async () => {
    await fill(dataDir, 1);
    const snapshotsDir = path.join(small.dir, 'snapshots');
    const room = await snapshotPreflight(dataDir, snapshotsDir, 0);
    expect(room.neededBytes).toBeGreaterThanOrEqual(MiB);
    expect(room.freeBytes).toBeGreaterThan(room.neededBytes);
    await expect(snapshotPreflight(dataDir, snapshotsDir, 1024 ** 3)).rejects.toMatchObject({
      code: 'no-space',
      message: expect.stringContaining('podwarden keeps 1 GiB in reserve'),
    });
  });

  it('takeSnapshot without the preflight fails with no-space, leaves nothing half made, and the data dir untouched', async () => {
    await fill(dataDir, 6);
    const before = await fingerprint(dataDir);
    const snapshotsDir = path.join(small.dir, 'snapshots');
    const error = await takeSnapshot({ appId: 'electrs', version: '0.10.5', dataDir, snapshotsDir }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SnapshotError);
    const appDir = path.join(snapshotsDir, 'electrs');
    expect(error).toMatchObject({ code: 'no-space', appId: 'electrs', path: appDir });
    expect((error as Error).message).toContain(
      `cannot take a snapshot of app electrs (data dir ${dataDir}) in ${appDir}: copying failed: the disk is full (no space left on device)`,
    );
    expect(await readdir(appDir)).toEqual([]);
    expect(await fingerprint(dataDir)).toEqual(before);
  });

  it('a restore whose copy does not fit beside the data dir fails with no-space, the data dir as it was', async () => {
    const smallDataDir = path.join(small.dir, 'electrs');
    await mkdir(smallDataDir);
    await fill(smallDataDir, 3);
    const snapshot = await takeSnapshot({
      appId: 'electrs',
      version: '1',
      dataDir: smallDataDir,
      snapshotsDir: path.join(root, 'snapshots'),
    });
    await writeFile(path.join(smallDataDir, 'blk0.dat'), 'rewritten by v2');
    const before = await fingerprint(smallDataDir);
    await expect(restoreSnapshot(snapshot, smallDataDir)).rejects.toMatchObject({
      name: 'SnapshotError',
      code: 'no-space',
      message: expect.stringContaining(
        `cannot restore app electrs's data dir ${smallDataDir} from the snapshot ${snapshot.path}: copying failed: the disk is full`,
      ),
    });
    expect(await fingerprint(smallDataDir)).toEqual(before);
    expect(await readdir(small.dir)).toEqual(['electrs']);
  });
});
