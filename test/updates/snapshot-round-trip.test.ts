import {
  appendFile,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readlink,
  rm,
  stat,
  symlink,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/domain/clock.js';
import { listSnapshots, restoreSnapshot, SnapshotError, takeSnapshot } from '../../src/updates/index.js';
import { fingerprint, makeDataTree, OTHER_OWNER, SPARSE_SIZE } from './support/data-tree.js';

// Runs as root (here and in CI): the data tree holds a file of another owner, as an app's
// container user leaves them.

let root: string;
let dataDir: string;
let snapshotsDir: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'podwarden-snapshot-'));
  dataDir = path.join(root, 'apps', 'electrs');
  snapshotsDir = path.join(root, 'snapshots');
  await mkdir(dataDir, { recursive: true });
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const clockAt = (ms: number) => ({ ...systemClock, now: () => ms });

describe('takeSnapshot and restoreSnapshot', () => {
  it('round-trips a data dir byte for byte: owners, modes, times, links kept as links, hard links, sparse files', async () => {
    await makeDataTree(dataDir);
    const before = await fingerprint(dataDir);

    const snapshot = await takeSnapshot({
      appId: 'electrs',
      version: '0.10.5',
      dataDir,
      snapshotsDir,
      clock: clockAt(Date.parse('2026-12-06T04:00:00Z')),
    });
    expect(snapshot).toMatchObject({
      appId: 'electrs',
      version: '0.10.5',
      takenAt: Date.parse('2026-12-06T04:00:00Z'),
      method: expect.stringMatching(/^(reflink|copy)$/),
      sourceExisted: true,
    });
    // 11 names that are not folders; the hard link's bytes counted once.
    expect(snapshot.files).toBe(11);
    expect(snapshot.bytes).toBe(13 + 300_000 + 0 + 15 + 10_000 + SPARSE_SIZE + 13 + 16 + 14);
    expect(path.dirname(snapshot.path)).toBe(path.join(snapshotsDir, 'electrs'));
    expect(path.basename(snapshot.path)).toMatch(/^2026-12-06T04-00-00\.000Z_0\.10\.5_[0-9a-f]{8}$/);
    expect(await fingerprint(path.join(snapshot.path, 'data'))).toEqual(before);

    // The snapshot keeps what matters of each kind, as the tree was.
    const copy = path.join(snapshot.path, 'data');
    expect(await readlink(path.join(copy, 'outside-link'))).toBe('/etc/hostname');
    expect((await lstat(path.join(copy, 'outside-link'))).isSymbolicLink()).toBe(true);
    expect((await stat(path.join(copy, 'owned.db'))).uid).toBe(OTHER_OWNER.uid);
    expect((await stat(path.join(copy, 'chain', 'settings.hardlink'))).ino).toBe(
      (await stat(path.join(copy, 'settings.conf'))).ino,
    );
    expect((await stat(path.join(copy, 'chain', 'sparse.idx'))).blocks * 512).toBeLessThan(1024 * 1024);

    // The data is rewritten, added to, cut down: the restore brings back the tree as it was.
    await writeFile(path.join(dataDir, 'settings.conf'), 'rpcport=18332\nmigrated=yes\n');
    await appendFile(path.join(dataDir, 'chain', 'blocks', 'blk00000.dat'), 'more');
    await writeFile(path.join(dataDir, 'chain', 'blocks', 'blk00001.dat'), 'new');
    await mkdir(path.join(dataDir, 'v2-index'));
    await unlink(path.join(dataDir, 'owned.db'));
    await rm(path.join(dataDir, 'outside-link'));
    expect(await fingerprint(dataDir)).not.toEqual(before);

    await restoreSnapshot(snapshot, dataDir);
    expect(await fingerprint(dataDir)).toEqual(before);
    expect((await stat(path.join(dataDir, 'chain', 'sparse.idx'))).blocks * 512).toBeLessThan(1024 * 1024);
    // Nothing of the restore is left beside the data dir, and the snapshot stays as it was.
    expect((await readdir(path.dirname(dataDir))).sort()).toEqual(['electrs']);
    expect(await fingerprint(path.join(snapshot.path, 'data'))).toEqual(before);
    expect((await listSnapshots(snapshotsDir, 'electrs')).map((s) => s.path)).toEqual([snapshot.path]);
  });

  it('restores when the data dir was removed altogether', async () => {
    await makeDataTree(dataDir);
    const before = await fingerprint(dataDir);
    const snapshot = await takeSnapshot({ appId: 'electrs', version: '1', dataDir, snapshotsDir });
    await rm(dataDir, { recursive: true });
    await restoreSnapshot(snapshot, dataDir);
    expect(await fingerprint(dataDir)).toEqual(before);
  });

  it('takes a missing data dir as an empty snapshot, restored as an empty folder', async () => {
    const missing = path.join(root, 'apps', 'newapp');
    const snapshot = await takeSnapshot({ appId: 'newapp', version: '1', dataDir: missing, snapshotsDir });
    expect(snapshot).toMatchObject({ files: 0, bytes: 0, method: 'copy', sourceExisted: false });
    await mkdir(missing);
    await writeFile(path.join(missing, 'written-by-v2'), 'x');
    await restoreSnapshot(snapshot, missing);
    expect(await readdir(missing)).toEqual([]);
  });

  it('takes an empty data dir as a snapshot of 0 files', async () => {
    const snapshot = await takeSnapshot({ appId: 'electrs', version: '1', dataDir, snapshotsDir });
    expect(snapshot).toMatchObject({ files: 0, bytes: 0, sourceExisted: true });
    expect(await readdir(path.join(snapshot.path, 'data'))).toEqual([]);
  });

  it('refuses a snapshot that was changed since it was taken, leaving the data dir as it is', async () => {
    await makeDataTree(dataDir);
    const snapshot = await takeSnapshot({ appId: 'electrs', version: '1', dataDir, snapshotsDir });
    await appendFile(path.join(dataDir, 'settings.conf'), 'v2\n');
    const current = await fingerprint(dataDir);
    await appendFile(path.join(snapshot.path, 'data', 'secret.key'), 'tampered');

    const error = await restoreSnapshot(snapshot, dataDir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SnapshotError);
    expect(error).toMatchObject({ code: 'incomplete', appId: 'electrs', path: snapshot.path });
    expect((error as Error).message).toContain(`cannot restore app electrs's data dir ${dataDir}`);
    expect((error as Error).message).not.toContain('tampered');
    expect(await fingerprint(dataDir)).toEqual(current);
    expect((await readdir(path.dirname(dataDir))).sort()).toEqual(['electrs']);
  });

  it('refuses to restore from a folder without metadata (half a snapshot)', async () => {
    const snapshot = await takeSnapshot({ appId: 'electrs', version: '1', dataDir, snapshotsDir });
    await rm(path.join(snapshot.path, 'snapshot.json'));
    await expect(restoreSnapshot(snapshot, dataDir)).rejects.toMatchObject({
      code: 'incomplete',
      message: expect.stringContaining('the snapshot is incomplete (it has no metadata)'),
    });
  });

  it('names bad input plainly: an app id that is no folder name, a data dir that is a file', async () => {
    await expect(takeSnapshot({ appId: '../etc', version: '1', dataDir, snapshotsDir })).rejects.toMatchObject({
      name: 'SnapshotError',
      code: 'invalid',
      message: expect.stringContaining('is not a valid app id'),
    });
    const file = path.join(root, 'apps', 'plain');
    await writeFile(file, 'x');
    await expect(takeSnapshot({ appId: 'plain', version: '1', dataDir: file, snapshotsDir })).rejects.toMatchObject({
      code: 'invalid',
      message: expect.stringContaining(`${file} is not a folder`),
    });
    const elsewhere = path.join(root, 'big-disk', 'bitcoind');
    await mkdir(elsewhere, { recursive: true });
    const linked = path.join(root, 'apps', 'bitcoind');
    await symlink(elsewhere, linked);
    await expect(
      takeSnapshot({ appId: 'bitcoind', version: '1', dataDir: linked, snapshotsDir }),
    ).rejects.toMatchObject({
      code: 'invalid',
      message: `cannot take a snapshot of app bitcoind (data dir ${linked}) in ${path.join(snapshotsDir, 'bitcoind')}: ${linked} is a symbolic link (to ${elsewhere}), and snapshots of a data dir that lives elsewhere are not supported`,
    });
  });
});
