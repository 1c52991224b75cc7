import { lstat, mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { syncDirectory } from '../state/atomic-write.js';
import { copyTree, syncFileSystem, TreeCopyError } from './copy-tree.js';
import { DATA_FOLDER, readSnapshotMetadata, type DataSnapshot } from './data-snapshot.js';
import { recoverRestore } from './recover-restore.js';
import { restorePaths } from './restore-paths.js';
import { SnapshotError, systemErrorWords } from './snapshot-error.js';
import { compareTrees } from './tree-compare.js';

export interface RestoreOptions {
  /** Also compare every file's bytes of the copy with the snapshot's (docs/updates.md). */
  verifyContent?: boolean;
}

/**
 * Puts an app's data dir back as the snapshot holds it, byte for byte, the app's containers
 * being stopped. Crash-safe: the snapshot is copied to `.<name>.restoring` beside the data dir,
 * checked against the snapshot and against the tree recorded when it was taken, flushed and
 * renamed `.restored`; then the data dir is moved aside, the copy renamed into its place, and
 * the old data removed. A cut at any point leaves the old data or the restored one, and
 * `recoverRestore` (run first here, and at boot) finishes the job. The snapshot itself stays.
 */
export async function restoreSnapshot(
  snapshot: DataSnapshot,
  dataDir: string,
  options: RestoreOptions = {},
): Promise<{ durationMs: number }> {
  const began = performance.now();
  const { appId } = snapshot;
  const failed = (code: SnapshotError['code'], why: string, cause?: unknown) =>
    new SnapshotError(
      code,
      appId,
      `cannot restore app ${appId}'s data dir ${dataDir} from the snapshot ${snapshot.path}: ${why}`,
      snapshot.path,
      cause === undefined ? undefined : { cause },
    );
  const recorded = await readSnapshotMetadata(snapshot.path, appId);
  if (recorded === undefined) throw failed('incomplete', 'the snapshot is incomplete (it has no metadata)');
  const isLink = await lstat(dataDir).then(
    (stats) => stats.isSymbolicLink(),
    () => false,
  );
  // Swapping by rename would replace the link, and bring the data onto this disk.
  if (isLink)
    throw failed('invalid', 'the data dir is a symbolic link, and restoring one that lives elsewhere is not supported');
  await recoverRestore(dataDir);
  const { restoring, restored } = restorePaths(dataDir);
  const source = path.join(snapshot.path, DATA_FOLDER);
  try {
    await mkdir(path.dirname(restoring), { recursive: true });
    await copyTree(source, restoring);
    const comparison = await compareTrees(source, restoring, { content: options.verifyContent ?? false });
    if (comparison.difference !== undefined) {
      throw failed('verify-failed', `the copy differs from the snapshot: ${comparison.difference}`);
    }
    if (comparison.digest !== recorded.treeDigest) {
      throw failed('incomplete', 'the snapshot no longer holds the tree it was taken with (changed or damaged since)');
    }
    await syncFileSystem(restoring);
    await rename(restoring, restored);
    await syncDirectory(path.dirname(restored));
  } catch (error) {
    await rm(restoring, { recursive: true, force: true }).catch(() => undefined);
    if (error instanceof SnapshotError) throw error;
    if (error instanceof TreeCopyError) throw failed(error.code, `copying failed: ${error.words}`, error);
    const { code, words } = systemErrorWords(error);
    throw failed(code, words, error);
  }
  // The swap: from here on the restore goes forward, now or in a later recoverRestore.
  await recoverRestore(dataDir);
  return { durationMs: Math.round(performance.now() - began) };
}
