import { lstat, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { syncDirectory } from '../state/atomic-write.js';
import { restorePaths } from './restore-paths.js';

/** What `recoverRestore` found and did. */
export type RestoreRecovery =
  /** No restore had been under way. */
  | 'nothing'
  /** An incomplete copy or the old data left aside was removed; the data dir was already right. */
  | 'cleaned'
  /** A whole restored copy was put in place of the data dir (the restore is finished). */
  | 'finished'
  /** The old data, moved aside with nothing to replace it, was put back. */
  | 'put-back';

/**
 * Brings the data dir `dataDir` out of a restore that was cut short (a kill, a power cut), by
 * one rule: **once a whole, verified copy exists (`.restored`), the restore goes forward;
 * before that it never happened.** So it removes an incomplete copy (`.restoring`), moves the
 * current data aside and the copy into place when a `.restored` is there, and removes the
 * data moved aside once the data dir is back. Run it at boot for every app, and before every
 * restore (`restoreSnapshot` does). Idempotent; resolves with what it did.
 */
export async function recoverRestore(dataDir: string): Promise<RestoreRecovery> {
  const { restoring, restored, aside } = restorePaths(dataDir);
  const parent = path.dirname(restored);
  let result: RestoreRecovery = 'nothing';
  if (await exists(restoring)) {
    await rm(restoring, { recursive: true, force: true });
    result = 'cleaned';
  }
  if (await exists(restored)) {
    if (await exists(dataDir)) {
      // Left aside by an earlier restore that had finished: older than the data dir, garbage.
      if (await exists(aside)) await rm(aside, { recursive: true, force: true });
      await rename(dataDir, aside);
    }
    await rename(restored, dataDir);
    await syncDirectory(parent);
    result = 'finished';
  } else if ((await exists(aside)) && !(await exists(dataDir))) {
    await rename(aside, dataDir);
    await syncDirectory(parent);
    return 'put-back';
  }
  if (await exists(aside)) {
    await rm(aside, { recursive: true, force: true });
    if (result === 'nothing') result = 'cleaned';
  }
  return result;
}

async function exists(target: string): Promise<boolean> {
  try {
    await lstat(target);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
