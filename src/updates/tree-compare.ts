import { createHash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { addToUsage, entryLine, walkTree, type TreeEntry, type TreeUsage } from './tree-walk.js';

export interface TreeComparison {
  /** The first difference found, in words (paths and attributes, never contents); undefined when equal. */
  difference?: string;
  /** sha256 of the entry lines of `source`: the digest a snapshot records and a restore checks. */
  digest: string;
  usage: TreeUsage;
}

export interface CompareOptions {
  /**
   * Also compare the bytes of every regular file. Off by default: see docs/updates.md for what
   * it costs (it reads both trees once more) and why the metadata check is what runs.
   */
  content?: boolean;
}

/**
 * Walks `source` and `copy` side by side and reports the first way in which `copy` is not a
 * faithful copy of `source`: a name missing or extra, or a different type, mode, owner, size,
 * modification time, link target or hard-link grouping (and, with `content`, different bytes).
 */
export async function compareTrees(
  source: string,
  copy: string,
  options: CompareOptions = {},
): Promise<TreeComparison> {
  const hash = createHash('sha256');
  const usage: TreeUsage = { bytes: 0, files: 0, diskBytes: 0 };
  const left = walkTree(source);
  const right = walkTree(copy);
  let difference: string | undefined;
  // A folder whose time alone differs is named only when nothing else does: a name added or
  // removed in it changes that time too, and is the better thing to say.
  let folderTimeDifference: string | undefined;
  for (;;) {
    const [a, b] = await Promise.all([left.next(), right.next()]);
    if (a.done && b.done) break;
    if (!a.done) {
      hash.update(entryLine(a.value)).update('\n');
      addToUsage(usage, a.value);
    }
    if (difference !== undefined) continue;
    if (a.done) difference = `${describe(b.value as TreeEntry)} is extra in the copy`;
    else if (b.done) difference = `${describe(a.value)} is missing from the copy`;
    else difference = differenceBetween(a.value, b.value);
    if (difference !== undefined && !a.done && !b.done && a.value.type === 'dir' && onlyTimeDiffers(a.value, b.value)) {
      folderTimeDifference ??= difference;
      difference = undefined;
    }
    if (
      difference === undefined &&
      options.content &&
      !a.done &&
      a.value.type === 'file' &&
      a.value.linkOf === undefined
    ) {
      const relative = a.value.path;
      if (!(await sameBytes(path.join(source, relative), path.join(copy, relative)))) {
        difference = `${relative}: the content differs`;
      }
    }
  }
  difference ??= folderTimeDifference;
  return { ...(difference !== undefined ? { difference } : {}), digest: hash.digest('hex'), usage };
}

/** The sha256 of a tree's entry lines alone (what `compareTrees` reports as `digest`). */
export async function treeDigest(root: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const entry of walkTree(root)) hash.update(entryLine(entry)).update('\n');
  return hash.digest('hex');
}

function describe(entry: TreeEntry): string {
  return `${entry.type} ${entry.path}`;
}

// The time last: a name whose content or target changed has a new time too, and the other words say more.
const COMPARED: Array<keyof TreeEntry> = [
  'path',
  'type',
  'mode',
  'uid',
  'gid',
  'size',
  'target',
  'rdev',
  'linkOf',
  'mtimeNs',
];

const LABELS: Partial<Record<keyof TreeEntry, string>> = {
  uid: 'owner (uid)',
  gid: 'group (gid)',
  target: 'link target',
  rdev: 'device number',
  linkOf: 'hard link (first name of the inode)',
  mtimeNs: 'modification time (ns)',
};

function differenceBetween(a: TreeEntry, b: TreeEntry): string | undefined {
  if (a.path !== b.path) {
    // Walks are sorted alike: the name that comes first is the one the other side lacks.
    return a.path < b.path ? `${describe(a)} is missing from the copy` : `${describe(b)} is extra in the copy`;
  }
  for (const key of COMPARED) {
    if (a[key] !== b[key])
      return `${a.path}: ${LABELS[key] ?? key} differs (${shown(key, a[key])} in the source, ${shown(key, b[key])} in the copy)`;
  }
  return undefined;
}

function onlyTimeDiffers(a: TreeEntry, b: TreeEntry): boolean {
  return differenceBetween(a, { ...b, mtimeNs: a.mtimeNs }) === undefined;
}

function shown(key: keyof TreeEntry, value: unknown): string {
  if (value === undefined) return 'none';
  if (key === 'mode' && typeof value === 'number') return `0${value.toString(8)}`;
  return String(value);
}

const CHUNK = 1 << 20;

async function sameBytes(a: string, b: string): Promise<boolean> {
  let fa: FileHandle | undefined;
  let fb: FileHandle | undefined;
  try {
    fa = await open(a, 'r');
    fb = await open(b, 'r');
    const bufA = Buffer.allocUnsafe(CHUNK);
    const bufB = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      const [ra, rb] = await Promise.all([fa.read(bufA, 0, CHUNK), fb.read(bufB, 0, CHUNK)]);
      if (ra.bytesRead !== rb.bytesRead) return false;
      if (ra.bytesRead === 0) return true;
      if (!bufA.subarray(0, ra.bytesRead).equals(bufB.subarray(0, rb.bytesRead))) return false;
    }
  } finally {
    await fa?.close();
    await fb?.close();
  }
}
