import { constants } from 'node:fs';
import { lstat, open, realpath } from 'node:fs/promises';
import { describeValue, ManifestError } from './errors.js';
import { tooLarge } from './too-large.js';
import { isInside } from './inside.js';

/**
 * Reads one catalog entry's bytes, for a catalog that strangers write. Only regular files are
 * manifests (a folder, a FIFO or a socket named `x.yml` is passed over, and is never opened, so
 * it cannot block the reader); a symbolic link is followed only when it stays inside the
 * catalog, and the reader never says where it leads; a file over `maxBytes` is refused from its
 * size, without reading it. The file is opened without following links and checked again once
 * open, so swapping it for a link or a FIFO meanwhile gains nothing.
 */
export async function readCatalogFile(
  catalogRoot: string,
  file: string,
  maxBytes: number,
): Promise<{ bytes: Uint8Array } | { error: ManifestError } | undefined> {
  const refuse = (message: string) => ({ error: new ManifestError({ file, path: '', message }) });
  let target = file;
  try {
    const entry = await lstat(file);
    if (entry.isSymbolicLink()) {
      target = await realpath(file);
      if (!isInside(catalogRoot, target)) {
        return refuse(
          'is a symbolic link that leads outside the catalog; podwarden reads only files inside the catalog',
        );
      }
    } else if (!entry.isFile()) {
      return undefined;
    }
  } catch (error) {
    return refuse(`cannot read: ${fsReason(error)}`);
  }

  let handle;
  try {
    handle = await open(target, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    return refuse(`cannot read: ${fsReason(error)}`);
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) return undefined;
    if (info.size > maxBytes) return refuse(tooLarge(info.size, maxBytes));
    // One byte more than the file had tells a file that grew since the stat (up to the cap).
    let buffer = new Uint8Array(Math.min(info.size, maxBytes) + 1);
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        if (length > maxBytes) return refuse(tooLarge(length, maxBytes));
        // It grew: read on, still never past the cap.
        const larger = new Uint8Array(Math.min(length * 2, maxBytes + 1));
        larger.set(buffer);
        buffer = larger;
      }
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    return { bytes: buffer.subarray(0, length) };
  } catch (error) {
    return refuse(`cannot read: ${fsReason(error)}`);
  } finally {
    await handle.close();
  }
}

/** Why a file system call failed, in words, never with more of the file than its name. */
export function fsReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'it does not exist';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    case 'EISDIR':
      return 'it is a directory';
    case 'ELOOP':
      return 'it was replaced by a symbolic link while being read';
    default:
      return code ?? describeValue(error instanceof Error ? error.message : error);
  }
}
