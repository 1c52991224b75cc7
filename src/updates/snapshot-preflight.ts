import { statfs } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_DISK_RESERVE_BYTES } from '../effects/disk-preflight.js';
import { formatSize } from '../manifest/size.js';
import { SnapshotError, systemErrorWords } from './snapshot-error.js';
import { treeUsage } from './tree-walk.js';

/**
 * Refuses a snapshot that would not fit, before anything is copied: the data dir's disk usage
 * (each inode once, holes of sparse files not counted) plus `reserveBytes` must be free on the
 * file system of `snapshotsDir`. It assumes a full copy even where reflinks would share the
 * extents at first: the app rewrites its data after the update, and then the snapshot holds
 * its own copy of every block that changed, up to the whole. The free space is read as the
 * disk preflight reads the image store's (statfs, blocks free to unprivileged users).
 *
 * `dataDir` is the app's own data dir; its last segment names the app in the error.
 */
export async function snapshotPreflight(
  dataDir: string,
  snapshotsDir: string,
  reserveBytes: number = DEFAULT_DISK_RESERVE_BYTES,
): Promise<{ neededBytes: number; freeBytes: number }> {
  const appId = path.basename(dataDir);
  let neededBytes: number;
  let freeBytes: number;
  try {
    neededBytes = (await treeUsage(dataDir)).diskBytes;
    const fs = await statfs(await nearestExisting(snapshotsDir));
    freeBytes = fs.bavail * fs.bsize;
  } catch (error) {
    const { code, words } = systemErrorWords(error);
    throw new SnapshotError(
      code,
      appId,
      `cannot check the room for a snapshot of app ${appId} (data dir ${dataDir}) in ${snapshotsDir}: ${words}`,
      snapshotsDir,
      { cause: error },
    );
  }
  if (freeBytes < neededBytes + reserveBytes) {
    throw new SnapshotError(
      'no-space',
      appId,
      `no room for a snapshot of app ${appId}: its data dir ${dataDir} takes ${formatSize(neededBytes)}, ` +
        `podwarden keeps ${formatSize(reserveBytes)} in reserve, and ${snapshotsDir} has ${formatSize(freeBytes)} free ` +
        '(free some space, keep fewer snapshots, or turn update.snapshot off for this app)',
      snapshotsDir,
    );
  }
  return { neededBytes, freeBytes };
}

/** The snapshots dir may not exist yet: its free space is that of the folder it will be made in. */
async function nearestExisting(dir: string): Promise<string> {
  let current = path.resolve(dir);
  for (;;) {
    try {
      await statfs(current);
      return current;
    } catch (error) {
      const parent = path.dirname(current);
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || parent === current) throw error;
      current = parent;
    }
  }
}
