import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { APP_ID_PATTERN } from '../manifest/field-formats.js';
import { appIdProblem } from '../manifest/app-id.js';
import { writeFileAtomic } from '../state/atomic-write.js';
import type { CopyMethod } from './copy-tree.js';
import { SnapshotError } from './snapshot-error.js';

/** A whole, verified copy of an app's data dir, taken before an update. */
export interface DataSnapshot {
  appId: string;
  /** The version that wrote this data (the one being updated from). */
  version: string;
  /** The snapshot's directory (`<snapshotsDir>/<appId>/<name>`); the copy is its `data/`. */
  path: string;
  /** Ms since the epoch, from the clock given to `takeSnapshot`. */
  takenAt: number;
  /** Content bytes (each hard-linked file once). */
  bytes: number;
  /** Names that are not folders (files, links, ...). */
  files: number;
  /** Copy, verification and flush to disk, wall time. */
  durationMs: number;
  /** What the copy did: `reflink` when the file system shared the extents, else `copy`. */
  method: CopyMethod;
  /** sha256 of the tree's entry lines: a restore checks the copy still is what was taken. */
  treeDigest: string;
  /** False when the app had no data dir yet: the snapshot is an empty folder. */
  sourceExisted: boolean;
}

/** The metadata file; a snapshot folder without it is half made. */
export const METADATA_FILE = 'snapshot.json';
/** The copy of the data dir inside a snapshot folder. */
export const DATA_FOLDER = 'data';
/** A snapshot being written: `.partial-<pid>-<hex>` beside the finished ones. */
export const PARTIAL_PREFIX = '.partial-';
/** A snapshot being removed (renamed first, so a cut-short removal never looks like a snapshot). */
export const REMOVING_PREFIX = '.removing-';

const FORMAT = 1;

/** Throws SnapshotError `invalid` unless `appId` is an app id (and so a safe folder name). */
export function checkSnapshotAppId(appId: string): void {
  if (typeof appId !== 'string' || !APP_ID_PATTERN.test(appId)) {
    throw new SnapshotError('invalid', String(appId), `cannot snapshot: ${appIdProblem(appId)}`);
  }
}

/** `<snapshotsDir>/<appId>`: where one app's snapshots live. */
export function appSnapshotsDir(snapshotsDir: string, appId: string): string {
  checkSnapshotAppId(appId);
  return path.join(snapshotsDir, appId);
}

/** A folder name that sorts by time and says the version: `2026-12-06T04-45-00.123Z_0.10.5_3fa2`. */
export function snapshotFolderName(takenAt: number, version: string, unique: string): string {
  const time = new Date(takenAt).toISOString().replace(/:/g, '-');
  const safeVersion = version.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 64) || 'unversioned';
  return `${time}_${safeVersion}_${unique}`;
}

export async function writeSnapshotMetadata(dir: string, snapshot: Omit<DataSnapshot, 'path'>): Promise<void> {
  await writeFileAtomic(
    path.join(dir, METADATA_FILE),
    `${JSON.stringify({ format: FORMAT, ...snapshot }, null, 2)}\n`,
    {
      mode: 0o600,
    },
  );
}

/**
 * The snapshot in folder `dir`, or undefined when it has no metadata (half made). Metadata that
 * cannot be read or understood is a SnapshotError `unreadable`.
 */
export async function readSnapshotMetadata(dir: string, appId: string): Promise<DataSnapshot | undefined> {
  const file = path.join(dir, METADATA_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new SnapshotError(
      'unreadable',
      appId,
      `cannot read the snapshot metadata ${file} of app ${appId}: ${(error as Error).message}`,
      file,
      { cause: error },
    );
  }
  const problem = (why: string) =>
    new SnapshotError(
      'unreadable',
      appId,
      `the snapshot metadata ${file} of app ${appId} is not understood: ${why}`,
      file,
    );
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw problem('it is not JSON');
  }
  if (typeof raw !== 'object' || raw === null) throw problem('it is not an object');
  const record = raw as Record<string, unknown>;
  if (record.format !== FORMAT) throw problem(`format ${String(record.format)} (this podwarden reads ${FORMAT})`);
  if (record.appId !== appId) throw problem(`it belongs to app ${String(record.appId)}`);
  for (const key of ['takenAt', 'bytes', 'files', 'durationMs'] as const) {
    if (typeof record[key] !== 'number' || !Number.isFinite(record[key])) throw problem(`${key} is not a number`);
  }
  for (const key of ['version', 'treeDigest'] as const) {
    if (typeof record[key] !== 'string') throw problem(`${key} is not a string`);
  }
  if (record.method !== 'reflink' && record.method !== 'copy') throw problem('method is neither reflink nor copy');
  if (typeof record.sourceExisted !== 'boolean') throw problem('sourceExisted is not true or false');
  return {
    appId,
    version: record.version as string,
    path: dir,
    takenAt: record.takenAt as number,
    bytes: record.bytes as number,
    files: record.files as number,
    durationMs: record.durationMs as number,
    method: record.method,
    treeDigest: record.treeDigest as string,
    sourceExisted: record.sourceExisted,
  };
}
