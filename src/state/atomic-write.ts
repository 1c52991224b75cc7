import { randomBytes } from 'node:crypto';
import { open, readFile, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';

/**
 * A failed write. The target is untouched: either the old content or nothing is still there.
 * `code` is the system error code (ENOSPC, EACCES, ...) when there was one.
 */
export class AtomicWriteError extends Error {
  readonly path: string;
  readonly code?: string;

  constructor(target: string, cause: unknown) {
    super(describeWriteFailure(target, cause), { cause });
    this.name = 'AtomicWriteError';
    this.path = target;
    const code = (cause as NodeJS.ErrnoException | undefined)?.code;
    if (typeof code === 'string') this.code = code;
  }
}

export function describeWriteFailure(target: string, cause: unknown): string {
  const error = cause as NodeJS.ErrnoException | undefined;
  switch (error?.code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return `cannot write ${target}: the disk is full (no space left on device)`;
    case 'ENOENT':
      return `cannot write ${target}: the directory ${path.dirname(target)} does not exist`;
    case 'EACCES':
    case 'EPERM':
      return `cannot write ${target}: permission denied`;
    case 'EROFS':
      return `cannot write ${target}: the file system is read-only`;
    default:
      return `cannot write ${target}: ${error instanceof Error ? error.message : String(cause)}`;
  }
}

export interface WriteOptions {
  /** File mode of the result (e.g. 0o600). Without it an existing file keeps its mode. */
  mode?: number;
  /** Runs once the new content is safely on disk, just before it replaces the target (e.g. keep a copy of the old one). */
  beforeReplace?: () => Promise<void>;
}

/**
 * Replaces `target` so that a crash or a full disk at any moment leaves either the old content
 * or the new one, never a mix: write a temp file beside it, fsync, rename over, fsync the folder.
 */
export async function writeFileAtomic(
  target: string,
  data: string | Buffer,
  options: WriteOptions = {},
): Promise<void> {
  const dir = path.dirname(target);
  // Same directory, so the rename stays on one file system and is atomic.
  const temp = path.join(dir, `.${path.basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let handle: FileHandle | undefined;
  try {
    const mode = options.mode ?? (await existingMode(target));
    handle = await open(temp, 'wx', mode ?? 0o666);
    // open() applies the umask; chmod gives exactly the mode asked for.
    if (mode !== undefined) await handle.chmod(mode);
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await options.beforeReplace?.();
    await rename(temp, target);
  } catch (err) {
    await handle?.close().catch(() => undefined);
    await rm(temp, { force: true }).catch(() => undefined);
    throw new AtomicWriteError(target, err);
  }
  try {
    await syncDirectory(dir);
  } catch (err) {
    throw new AtomicWriteError(target, err);
  }
}

/**
 * Writes only when the content differs (or the file is missing, or `mode` is given and differs),
 * so an unchanged save does not touch the disk. Returns whether it wrote.
 */
export async function writeFileIfChanged(
  target: string,
  data: string | Buffer,
  options: WriteOptions = {},
): Promise<boolean> {
  let current: Buffer | undefined;
  try {
    current = await readFile(target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new Error(`cannot read ${target}: ${(err as Error).message}`, { cause: err });
    }
  }
  const next = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  if (current !== undefined && current.equals(next)) {
    const mode = options.mode === undefined ? undefined : await existingMode(target);
    if (mode === undefined || mode === options.mode) return false;
  }
  await writeFileAtomic(target, next, options);
  return true;
}

async function existingMode(target: string): Promise<number | undefined> {
  try {
    return (await stat(target)).mode & 0o7777;
  } catch {
    return undefined;
  }
}

/** fsyncs a folder, so a rename in it survives a power cut (where the file system allows). */
export async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (err) {
    // Some file systems cannot fsync a directory; the rename has happened, so the new content
    // is in place and only its durability across a power cut is less certain there.
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'ENOTSUP' && code !== 'EISDIR' && code !== 'EPERM') throw err;
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
