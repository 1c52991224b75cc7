import path from 'node:path';
import { fromPromise } from 'xstate';
import type { StepOutcome } from '../../machines/types.js';
import { versionOf, type SnapshotRef, type UpdateRecord } from '../../machines/update.js';
import { systemClock, type Clock } from '../domain/clock.js';
import type { Logger } from '../log.js';
import {
  pruneSnapshots,
  restoreSnapshot,
  snapshotPreflight,
  takeSnapshot,
  type DataSnapshot,
} from '../updates/index.js';
import type { UpdateRecords } from '../updates/update-records.js';

export interface UpdateEffectOptions {
  records: UpdateRecords;
  /** Where snapshots go: `<stateDir>/snapshots/<appId>/`. */
  snapshotsDir: string;
  logger: Logger;
  clock?: Clock;
  /** Free space left over after a snapshot (the disk preflight's reserve). */
  diskReserveBytes?: number;
}

/**
 * The effects the app machine's update states invoke (machines/app-updating.ts): the record on
 * disk (saved by the machine at the start, the hand-over, a rollback's start and the end; the
 * snapshot saves it too), the data snapshot, its restore.
 */
export function createUpdateEffects(options: UpdateEffectOptions) {
  const { records, snapshotsDir, logger: log } = options;
  const clock = options.clock ?? systemClock;

  function timed<TIn, TOut>(work: (input: TIn) => Promise<TOut>) {
    return fromPromise<TOut & StepOutcome, TIn>(async ({ input }) => {
      const begunAt = clock.now();
      const result = await work(input);
      return { ...result, begunAt, at: clock.now() };
    });
  }

  return {
    saveUpdate: timed(async ({ record }: { record: UpdateRecord }) => {
      try {
        await records.save(record);
      } catch (error) {
        // The machine goes on or abandons by the phase; the owner learns why the record on disk is older.
        log.warn(
          { app: record.appId, phase: record.phase, err: error instanceof Error ? error.message : String(error) },
          'could not save the update record',
        );
        throw error;
      }
      return {};
    }),

    snapshotData: fromPromise<SnapshotRef, { record: UpdateRecord }>(async ({ input: { record } }) => {
      const dataDir = record.to.dataDir!;
      const appId = record.appId;
      await snapshotPreflight(dataDir, snapshotsDir, options.diskReserveBytes);
      const snapshot = await takeSnapshot({ appId, version: versionOf(record.from), dataDir, snapshotsDir, clock });
      // On record before the machine hears of it: a rollback after a crash finds it.
      await records.save({ ...record, snapshot, done: [...record.done, 'snapshot'] });
      const pruned = await pruneSnapshots(snapshotsDir, appId, record.to.update?.keepSnapshots ?? 3);
      log.info(
        {
          app: appId,
          snapshot: snapshot.path,
          bytes: snapshot.bytes,
          files: snapshot.files,
          ms: snapshot.durationMs,
          method: snapshot.method,
          ...(pruned.length > 0 ? { pruned: pruned.map((dir) => path.basename(dir)) } : {}),
        },
        `${appId}: data snapshot taken before the update (${snapshot.files} files, ${snapshot.bytes} bytes, ${snapshot.method})`,
      );
      return snapshot;
    }),

    restoreData: timed(async ({ record }: { record: UpdateRecord }) => {
      const snapshot = record.snapshot as DataSnapshot;
      const { durationMs } = await restoreSnapshot(snapshot, record.to.dataDir!);
      log.info(
        { app: record.appId, snapshot: snapshot.path, ms: durationMs },
        `${record.appId}: data restored from the snapshot of ${new Date(snapshot.takenAt).toISOString()}`,
      );
      return {};
    }),
  };
}
