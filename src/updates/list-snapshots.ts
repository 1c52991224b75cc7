import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { namesInFolder } from '../state/names-in-folder.js';
import {
  appSnapshotsDir,
  PARTIAL_PREFIX,
  readSnapshotMetadata,
  REMOVING_PREFIX,
  type DataSnapshot,
} from './data-snapshot.js';
import { isInFlight } from './in-flight.js';
import { removeSnapshotFolder } from './remove-tree.js';
import { SnapshotError } from './snapshot-error.js';

interface Scan {
  /** Whole snapshots, newest first. */
  snapshots: DataSnapshot[];
  /** Folders whose metadata cannot be read or understood: never listed, removed by prune. */
  unreadable: string[];
  /** Half-made folders removed while scanning. */
  removed: string[];
}

async function scan(snapshotsDir: string, appId: string): Promise<Scan> {
  const dir = appSnapshotsDir(snapshotsDir, appId);
  const result: Scan = { snapshots: [], unreadable: [], removed: [] };
  for (const name of await namesInFolder(dir)) {
    const folder = path.join(dir, name);
    if (name.startsWith(PARTIAL_PREFIX) || name.startsWith(REMOVING_PREFIX)) {
      // A snapshot being taken by this process right now is left to finish.
      if (isInFlight(folder)) continue;
      await removeSnapshotFolder(folder);
      result.removed.push(folder);
      continue;
    }
    if (!(await lstat(folder)).isDirectory()) continue;
    try {
      const snapshot = await readSnapshotMetadata(folder, appId);
      if (snapshot !== undefined) {
        result.snapshots.push(snapshot);
        continue;
      }
    } catch (error) {
      if (!(error instanceof SnapshotError)) throw error;
      result.unreadable.push(folder);
      continue;
    }
    // A named folder without metadata: half a snapshot (made by hand, or by a podwarden
    // that did not write the metadata first); never one to restore from.
    await removeSnapshotFolder(folder);
    result.removed.push(folder);
  }
  result.snapshots.sort((a, b) => b.takenAt - a.takenAt || (a.path < b.path ? 1 : -1));
  return result;
}

/**
 * An app's whole snapshots, newest first. Half-made ones (no metadata: a take cut short) are
 * never listed, and removed on the way; ones whose metadata cannot be understood are not listed.
 */
export async function listSnapshots(snapshotsDir: string, appId: string): Promise<DataSnapshot[]> {
  return (await scan(snapshotsDir, appId)).snapshots;
}

/**
 * Keeps an app's `keep` newest whole snapshots and removes the rest, half-made and unreadable
 * ones included. Resolves with the folders removed.
 */
export async function pruneSnapshots(snapshotsDir: string, appId: string, keep: number): Promise<string[]> {
  if (!Number.isSafeInteger(keep) || keep < 0) {
    throw new SnapshotError(
      'invalid',
      appId,
      `cannot prune the snapshots of app ${appId}: keep ${String(keep)} is not a whole number ≥ 0`,
    );
  }
  const { snapshots, unreadable, removed } = await scan(snapshotsDir, appId);
  for (const folder of [...snapshots.slice(keep).map((snapshot) => snapshot.path), ...unreadable]) {
    await removeSnapshotFolder(folder);
    removed.push(folder);
  }
  return removed;
}
