import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readlink, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { systemClock, type Clock } from '../domain/clock.js';
import { syncDirectory } from '../state/atomic-write.js';
import { copyTree, reflinkMethod, syncFileSystem, TreeCopyError, type CopyMethod } from './copy-tree.js';
import {
  appSnapshotsDir,
  DATA_FOLDER,
  PARTIAL_PREFIX,
  snapshotFolderName,
  writeSnapshotMetadata,
  type DataSnapshot,
} from './data-snapshot.js';
import { whileInFlight } from './in-flight.js';
import { SnapshotError, systemErrorWords } from './snapshot-error.js';
import { compareTrees, treeDigest } from './tree-compare.js';

export interface TakeSnapshotOptions {
  appId: string;
  /** The version that wrote the data (the one being updated from). */
  version: string;
  /** The app's own data dir (`<dataDir>/<appId>`). Missing is fine: the snapshot is empty. */
  dataDir: string;
  /** The folder of all snapshots (`<stateDir>/snapshots`); this app's go to `<snapshotsDir>/<appId>/`. */
  snapshotsDir: string;
  clock?: Clock;
  /** Also compare every file's bytes after the copy (docs/updates.md says what it costs). */
  verifyContent?: boolean;
}

/**
 * Copies an app's data dir into a new snapshot, verifies the copy against the data, flushes it
 * to disk, writes its metadata, and only then gives it its name: until then it is a
 * `.partial-…` folder that no listing counts. The caller keeps the app's containers stopped
 * meanwhile. Anything short of a whole snapshot is a SnapshotError naming the app, the path
 * and the reason, with nothing half made left behind and the data dir untouched.
 *
 * @example
 * const snapshot = await takeSnapshot({ appId: 'electrs', version: '0.10.5', dataDir: '/var/lib/podwarden/apps/electrs', snapshotsDir: '/var/lib/podwarden/snapshots' });
 */
export async function takeSnapshot(options: TakeSnapshotOptions): Promise<DataSnapshot> {
  const { appId, version, dataDir, snapshotsDir } = options;
  const appDir = appSnapshotsDir(snapshotsDir, appId);
  if (typeof version !== 'string') {
    throw new SnapshotError(
      'invalid',
      appId,
      `cannot snapshot app ${appId}: its version ${String(version)} is not text`,
    );
  }
  const clock = options.clock ?? systemClock;
  const began = performance.now();
  const takenAt = clock.now();
  const unique = randomBytes(4).toString('hex');
  const partial = path.join(appDir, `${PARTIAL_PREFIX}${process.pid}-${unique}`);
  const failed = (code: SnapshotError['code'], why: string, cause?: unknown) =>
    new SnapshotError(
      code,
      appId,
      `cannot take a snapshot of app ${appId} (data dir ${dataDir}) in ${appDir}: ${why}`,
      appDir,
      cause === undefined ? undefined : { cause },
    );

  const sourceExisted = await isFolder(dataDir, failed);
  return whileInFlight(partial, async () => {
    try {
      await mkdir(appDir, { recursive: true, mode: 0o700 });
      await mkdir(partial, { mode: 0o700 });
      const data = path.join(partial, DATA_FOLDER);
      let method: CopyMethod = 'copy';
      let digest: string;
      let bytes = 0;
      let files = 0;
      if (sourceExisted) {
        method = await reflinkMethod(dataDir, partial);
        await copyTree(dataDir, data);
        const comparison = await compareTrees(dataDir, data, { content: options.verifyContent ?? false });
        if (comparison.difference !== undefined) {
          throw failed('verify-failed', `the copy differs from the data: ${comparison.difference}`);
        }
        ({ digest } = comparison);
        ({ bytes, files } = comparison.usage);
      } else {
        // No data yet: an empty folder, made the way the create step makes a data dir.
        await mkdir(data, { mode: 0o750 });
        digest = await treeDigest(data);
      }
      await syncFileSystem(partial);
      const snapshot: Omit<DataSnapshot, 'path'> = {
        appId,
        version,
        takenAt,
        bytes,
        files,
        durationMs: Math.round(performance.now() - began),
        method,
        treeDigest: digest,
        sourceExisted,
      };
      await writeSnapshotMetadata(partial, snapshot);
      const final = path.join(appDir, snapshotFolderName(takenAt, version, unique));
      await rename(partial, final);
      await syncDirectory(appDir);
      return { ...snapshot, path: final };
    } catch (error) {
      await rm(partial, { recursive: true, force: true }).catch(() => undefined);
      if (error instanceof SnapshotError) throw error;
      if (error instanceof TreeCopyError) throw failed(error.code, `copying failed: ${error.words}`, error);
      const { code, words } = systemErrorWords(error);
      throw failed(code, words, error);
    }
  });
}

/** Whether `dir` is a folder (false when missing); anything else there is a SnapshotError. */
async function isFolder(
  dir: string,
  failed: (code: SnapshotError['code'], why: string, cause?: unknown) => SnapshotError,
): Promise<boolean> {
  try {
    const stats = await lstat(dir);
    if (stats.isDirectory()) return true;
    if (stats.isSymbolicLink()) {
      // A data dir moved to another disk and linked back: a restore swaps folders by rename,
      // which would bring the data onto this disk. Refused plainly until that is handled.
      throw failed(
        'invalid',
        `${dir} is a symbolic link (to ${await readlink(dir)}), and snapshots of a data dir that lives elsewhere are not supported`,
      );
    }
    throw failed('invalid', `${dir} is not a folder`);
  } catch (error) {
    if (error instanceof SnapshotError) throw error;
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    const { code, words } = systemErrorWords(error);
    throw failed(code, `cannot look at ${dir}: ${words}`, error);
  }
}
