/**
 * Why a data snapshot could not be taken, restored, listed or pruned:
 * - `no-space`: the file system of the snapshot (or of the restored copy) is full, or the
 *   preflight found too little free space for it;
 * - `unreadable`: a file of the data dir (or of the snapshot) could not be read, or a snapshot's
 *   metadata could not be read or understood;
 * - `verify-failed`: the copy differs from what it was copied from (a path, type, size, mode,
 *   owner, time or link target), so it is no snapshot to rely on;
 * - `incomplete`: the snapshot has no metadata (half made) or its data no longer matches the
 *   tree recorded when it was taken;
 * - `copy-failed`: the copy itself failed for another reason (its words are in the message);
 * - `invalid`: bad input (an app id that is no folder name, a negative number to keep, ...).
 */
export type SnapshotErrorCode = 'no-space' | 'unreadable' | 'verify-failed' | 'incomplete' | 'copy-failed' | 'invalid';

/**
 * A snapshot that could not be had. The message names the app, the path and the reason in plain
 * words (never file contents): an update that cannot get its snapshot stops on it.
 */
export class SnapshotError extends Error {
  constructor(
    readonly code: SnapshotErrorCode,
    readonly appId: string,
    message: string,
    readonly path?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SnapshotError';
  }
}

/** Plain words for a system error met while copying or reading (ENOSPC → "the disk is full"). */
export function systemErrorWords(error: unknown): { code: SnapshotErrorCode; words: string } {
  const errno = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (errno) {
    case 'ENOSPC':
    case 'EDQUOT':
      return { code: 'no-space', words: 'the disk is full (no space left on device)' };
    case 'EACCES':
    case 'EPERM':
      return { code: 'unreadable', words: 'permission denied' };
    case 'EROFS':
      return { code: 'copy-failed', words: 'the file system is read-only' };
    case 'EIO':
      return { code: 'unreadable', words: 'an input/output error (a failing disk?)' };
    default:
      return { code: 'copy-failed', words: error instanceof Error ? error.message : String(error) };
  }
}
