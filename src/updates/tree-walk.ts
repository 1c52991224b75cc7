import { lstat, readdir, readlink } from 'node:fs/promises';
import path from 'node:path';

export type EntryType = 'file' | 'dir' | 'symlink' | 'fifo' | 'socket' | 'char-device' | 'block-device';

/** What a snapshot must keep of one name in a tree (its content aside). */
export interface TreeEntry {
  /** Relative to the tree's root, `/`-separated; the root itself is `.`. */
  path: string;
  type: EntryType;
  /** Permission bits with setuid/setgid/sticky (st_mode & 0o7777). */
  mode: number;
  uid: number;
  gid: number;
  /** Bytes of a file, length of a link's target; 0 for the rest (a folder's size is its file system's business). */
  size: number;
  /** Modification time in nanoseconds, as a string (kept by `cp -a`, so a copy shows the same). */
  mtimeNs: string;
  /** Where a symbolic link points, as written (never followed). */
  target?: string;
  /** Device number of a device node. */
  rdev?: number;
  /** For a second (third, ...) name of one inode: the first name of it in walk order. */
  linkOf?: string;
  /** Disk space it takes (st_blocks × 512): less than `size` for a sparse file. */
  diskBytes: number;
}

function typeOf(stats: {
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
  isFIFO(): boolean;
  isSocket(): boolean;
  isCharacterDevice(): boolean;
}): EntryType {
  if (stats.isFile()) return 'file';
  if (stats.isDirectory()) return 'dir';
  if (stats.isSymbolicLink()) return 'symlink';
  if (stats.isFIFO()) return 'fifo';
  if (stats.isSocket()) return 'socket';
  return stats.isCharacterDevice() ? 'char-device' : 'block-device';
}

/**
 * Every name under `root` (the root first, then depth first, names in sorted order, so two
 * equal trees walk alike), from lstat alone: links are reported, never followed. A missing
 * root walks as nothing. Hard links are recognised by inode, so a copy can be checked to keep them.
 */
export async function* walkTree(root: string): AsyncGenerator<TreeEntry> {
  const firstNameOfInode = new Map<string, string>();
  async function* visit(relative: string): AsyncGenerator<TreeEntry> {
    const absolute = relative === '.' ? root : path.join(root, relative);
    const stats = await lstat(absolute, { bigint: true });
    const type = typeOf(stats);
    const entry: TreeEntry = {
      path: relative,
      type,
      mode: Number(stats.mode & 0o7777n),
      uid: Number(stats.uid),
      gid: Number(stats.gid),
      size: type === 'file' || type === 'symlink' ? Number(stats.size) : 0,
      mtimeNs: stats.mtimeNs.toString(),
      diskBytes: Number(stats.blocks) * 512,
    };
    if (type === 'symlink') entry.target = await readlink(absolute);
    if (type === 'char-device' || type === 'block-device') entry.rdev = Number(stats.rdev);
    if (type !== 'dir' && stats.nlink > 1n) {
      const inode = `${stats.dev}:${stats.ino}`;
      const first = firstNameOfInode.get(inode);
      if (first === undefined) firstNameOfInode.set(inode, relative);
      else entry.linkOf = first;
    }
    yield entry;
    if (type !== 'dir') return;
    const names = (await readdir(absolute)).sort();
    for (const name of names) yield* visit(relative === '.' ? name : `${relative}/${name}`);
  }
  try {
    await lstat(root);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  yield* visit('.');
}

/**
 * One line per entry, with what a copy must keep (no disk usage: a copy may store holes and
 * tails differently). Equal lines, equal entries; the lines of a whole tree hash to its digest.
 */
export function entryLine(entry: TreeEntry): string {
  const { diskBytes: _diskBytes, ...kept } = entry;
  return JSON.stringify(kept);
}

/** How much a tree holds: content bytes (each inode once), names that are not folders, disk space taken. */
export interface TreeUsage {
  bytes: number;
  files: number;
  diskBytes: number;
}

export function addToUsage(usage: TreeUsage, entry: TreeEntry): void {
  if (entry.type !== 'dir') usage.files += 1;
  if (entry.linkOf !== undefined) return;
  usage.bytes += entry.size;
  usage.diskBytes += entry.diskBytes;
}

/** The usage of the tree at `root` (all zero when it is missing). */
export async function treeUsage(root: string): Promise<TreeUsage> {
  const usage: TreeUsage = { bytes: 0, files: 0, diskBytes: 0 };
  for await (const entry of walkTree(root)) addToUsage(usage, entry);
  return usage;
}
