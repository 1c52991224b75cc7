import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, chown, link, lutimes, mkdir, open, readFile, symlink, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { entryLine, walkTree } from '../../../src/updates/tree-walk.js';

const run = promisify(execFile);

/** The owner a data file gets in these tests: neither root nor this process (as an app's container user would). */
export const OTHER_OWNER = { uid: 1234, gid: 5678 };
export const SPARSE_SIZE = 16 * 1024 * 1024;

/**
 * An app's data dir with every kind of thing a snapshot must keep: nested folders, modes, a
 * file of another owner, an empty file, a sparse file, a hard link, symbolic links (one
 * pointing outside the tree, one relative, one dangling) and a named pipe.
 */
export async function makeDataTree(dir: string): Promise<void> {
  await mkdir(path.join(dir, 'chain', 'blocks'), { recursive: true });
  await writeFile(path.join(dir, 'settings.conf'), 'rpcport=8332\n');
  await writeFile(path.join(dir, 'chain', 'blocks', 'blk00000.dat'), randomBytesOf(300_000, 1));
  await writeFile(path.join(dir, 'chain', 'empty.log'), '');
  await writeFile(path.join(dir, 'secret.key'), 'not a real key\n');
  await chmod(path.join(dir, 'secret.key'), 0o600);
  await chmod(path.join(dir, 'chain', 'blocks'), 0o2750);
  await writeFile(path.join(dir, 'owned.db'), randomBytesOf(10_000, 2));
  await chown(path.join(dir, 'owned.db'), OTHER_OWNER.uid, OTHER_OWNER.gid);
  await chown(path.join(dir, 'chain'), OTHER_OWNER.uid, OTHER_OWNER.gid);
  // A sparse file: 16 MiB long, 4 KiB of it written.
  const sparse = await open(path.join(dir, 'chain', 'sparse.idx'), 'w');
  await sparse.write(Buffer.alloc(4096, 7), 0, 4096, SPARSE_SIZE / 2);
  await sparse.truncate(SPARSE_SIZE);
  await sparse.close();
  await link(path.join(dir, 'settings.conf'), path.join(dir, 'chain', 'settings.hardlink'));
  await symlink('/etc/hostname', path.join(dir, 'outside-link'));
  await symlink('../settings.conf', path.join(dir, 'chain', 'relative-link'));
  await symlink('nowhere/at/all', path.join(dir, 'dangling-link'));
  await run('mkfifo', [path.join(dir, 'chain', 'notify.fifo')]);
  await utimes(
    path.join(dir, 'settings.conf'),
    new Date('2020-01-02T03:04:05.678Z'),
    new Date('2020-01-02T03:04:05.678Z'),
  );
  await lutimes(path.join(dir, 'outside-link'), new Date('2021-01-01T00:00:00Z'), new Date('2021-01-01T00:00:00Z'));
}

/** Deterministic filler: `bytes` bytes from `seed`. */
export function randomBytesOf(bytes: number, seed: number): Buffer {
  const buffer = Buffer.alloc(bytes);
  let state = seed * 2654435761;
  for (let i = 0; i < bytes; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    buffer[i] = state >>> 24;
  }
  return buffer;
}

/**
 * Everything a restore must bring back, as text: each entry's line (type, mode, owner, size,
 * time, link target, hard-link grouping) and the sha256 of each regular file's bytes.
 */
export async function fingerprint(dir: string): Promise<string[]> {
  const lines: string[] = [];
  for await (const entry of walkTree(dir)) {
    let content = '';
    if (entry.type === 'file') {
      content = createHash('sha256')
        .update(await readFile(path.join(dir, entry.path)))
        .digest('hex');
    }
    lines.push(`${entryLine(entry)} ${content}`);
  }
  return lines;
}
