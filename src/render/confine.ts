import { lstat, mkdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import { isInside } from '../manifest/inside.js';

/** A path that would leave the directory it must stay in. */
export class EscapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EscapeError';
  }
}

/**
 * The absolute path of `relative` inside `root`, with every missing folder on the way made
 * (mode 0750). The schema already refused absolute paths and "..": this checks the disk, where
 * a symbolic link (made by the app in its own data dir, say) could still lead out. Each existing
 * folder on the way is resolved with realpath and must stay inside root's realpath, and the file
 * itself must not be a symbolic link, so the write lands where the manifest says.
 */
export async function confinedTarget(root: string, relative: string): Promise<string> {
  if (path.isAbsolute(relative) || relative.split(/[\\/]/).includes('..')) {
    throw new EscapeError(`${JSON.stringify(relative)} leaves the directory ${root}`);
  }
  await mkdir(root, { recursive: true, mode: 0o750 });
  const realRoot = await realpath(root);
  const segments = path
    .normalize(relative)
    .split(path.sep)
    .filter((segment) => segment !== '' && segment !== '.');
  const fileName = segments.pop();
  if (fileName === undefined) throw new EscapeError(`${JSON.stringify(relative)} names no file inside ${root}`);
  let current = realRoot;
  for (const segment of segments) {
    const next = path.join(current, segment);
    let resolved: string;
    try {
      resolved = await realpath(next);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      // A dangling link is no folder to make: mkdir would follow it.
      if (await isSymlink(next))
        throw new EscapeError(`${JSON.stringify(relative)}: ${segment} is a dangling symbolic link`);
      await mkdir(next, { mode: 0o750 });
      resolved = next;
    }
    if (!isInside(realRoot, resolved)) {
      throw new EscapeError(`${JSON.stringify(relative)} leads out of ${root} through the symbolic link ${next}`);
    }
    current = resolved;
  }
  const target = path.join(current, fileName);
  if (await isSymlink(target)) {
    throw new EscapeError(
      `${JSON.stringify(relative)} is a symbolic link; rendered files are written only as regular files`,
    );
  }
  return target;
}

async function isSymlink(file: string): Promise<boolean> {
  try {
    return (await lstat(file)).isSymbolicLink();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
