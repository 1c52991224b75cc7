import { execFile } from 'node:child_process';
import { constants, copyFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { SnapshotErrorCode } from './snapshot-error.js';
import { walkTree } from './tree-walk.js';

const run = promisify(execFile);

export type CopyMethod = 'reflink' | 'copy';

/** A copy `cp` refused, with its reason in plain words and the code it maps to. */
export class TreeCopyError extends Error {
  constructor(
    readonly code: SnapshotErrorCode,
    readonly words: string,
    options?: { cause?: unknown },
  ) {
    super(words, options);
    this.name = 'TreeCopyError';
  }
}

/**
 * Copies the tree `source` to `destination` (which must not exist) with GNU `cp -a
 * --reflink=auto`: owners, modes, timestamps, symlinks (as links), hard links, sparse files
 * and extended attributes kept; file extents shared (copy-on-write) where the file system can
 * (btrfs, XFS with reflink, bcachefs, ZFS 2.2), a plain copy elsewhere. Node's `fs.cp` would
 * lose owners and hard links, and a tar pipe costs a second process and a stream for the same.
 */
export async function copyTree(source: string, destination: string): Promise<void> {
  const cp = ['cp', '-a', '--reflink=auto', '--no-target-directory', '--', source, destination];
  try {
    await runDyingWithUs(cp);
  } catch (error) {
    throw copyFailure(error);
  }
}

let hasSetpriv: boolean | undefined;

/**
 * Runs `argv` so that it is killed if podwarden dies (`setpriv --pdeathsig KILL`, util-linux):
 * a `cp` left running after a kill -9 would go on writing into a folder the next start
 * removes as half made. Without setpriv, the command runs plainly.
 */
async function runDyingWithUs(argv: string[]): Promise<void> {
  if (hasSetpriv !== false) {
    try {
      await run('setpriv', ['--pdeathsig', 'KILL', '--', ...argv], { maxBuffer: 1 << 20 });
      hasSetpriv = true;
      return;
    } catch (error) {
      const missing =
        (error as NodeJS.ErrnoException).code === 'ENOENT' && (error as { path?: string }).path === 'setpriv';
      if (!missing || hasSetpriv === true) throw error;
      hasSetpriv = false;
    }
  }
  await run(argv[0]!, argv.slice(1), { maxBuffer: 1 << 20 });
}

function copyFailure(error: unknown): TreeCopyError {
  const failed = error as NodeJS.ErrnoException & { stderr?: string };
  if ((failed.code === 'ENOENT' && !failed.stderr) || /failed to execute cp/.test(failed.stderr ?? '')) {
    return new TreeCopyError('copy-failed', 'GNU cp is not installed (coreutils)', { cause: error });
  }
  // cp's lines name paths and the system's reason, never what files hold.
  const stderr = (failed.stderr ?? '').trim();
  const first = stderr.split('\n')[0] ?? '';
  if (/No space left on device|Disk quota exceeded/i.test(stderr)) {
    return new TreeCopyError('no-space', `the disk is full (no space left on device): ${first}`, { cause: error });
  }
  if (/Permission denied|Operation not permitted/i.test(stderr)) {
    return new TreeCopyError('unreadable', `permission denied: ${first}`, { cause: error });
  }
  if (/Input\/output error/i.test(stderr)) {
    return new TreeCopyError('unreadable', `an input/output error (a failing disk?): ${first}`, { cause: error });
  }
  return new TreeCopyError('copy-failed', first || failed.message, { cause: error });
}

/**
 * Whether a file of `source` can be cloned (reflinked) into `intoDir`: the one way to know
 * what `--reflink=auto` will do, since cp does not say. A tree without a non-empty file
 * has nothing to clone: `copy`.
 */
export async function reflinkMethod(source: string, intoDir: string): Promise<CopyMethod> {
  let sample: string | undefined;
  for await (const entry of walkTree(source)) {
    if (entry.type === 'file' && entry.size > 0) {
      sample = path.join(source, entry.path);
      break;
    }
  }
  if (sample === undefined) return 'copy';
  const probe = path.join(intoDir, '.reflink-probe');
  try {
    await copyFile(sample, probe, constants.COPYFILE_FICLONE_FORCE);
    return 'reflink';
  } catch {
    return 'copy';
  } finally {
    await rm(probe, { force: true });
  }
}

/**
 * Flushes the file system holding `dir` to disk (`sync -f`, syncfs(2)): a snapshot or a
 * restored copy is made durable before it is marked whole, so a power cut cannot leave a
 * "complete" one with lost blocks.
 */
export async function syncFileSystem(dir: string): Promise<void> {
  await run('sync', ['-f', '--', dir]);
}
