import path from 'node:path';
import type { UpdateRecord } from '../../machines/update.js';
import { updateTitle } from '../../machines/update.js';
import type { Clock } from '../domain/clock.js';
import { createUpdateEffects } from '../effects/update-effects.js';
import type { Logger } from '../log.js';
import { createUpdateRecords, type UpdateRecords } from './update-records.js';
import { recoverRestore } from './recover-restore.js';

/** What the orchestrator hears of an update that ended (for metrics): its app and how. */
export interface UpdateEnded {
  kind: 'update-ended';
  appId: string;
  result: string;
}

export interface UpdateWiringOptions {
  stateDir: string;
  logger: Logger;
  clock: Clock;
  diskReserveBytes?: number;
  onEnded(event: UpdateEnded): void;
  /** Where the records are kept; default `<stateDir>/updates/`. */
  updateRecords?: UpdateRecords;
}

/**
 * Updates as the orchestrator wires them: the records on disk (read once at boot), the effects
 * the app machines invoke, and a word in the log and the metrics when one ends.
 */
export function createUpdateWiring(options: UpdateWiringOptions) {
  const { logger: log } = options;
  const records = options.updateRecords ?? createUpdateRecords(options.stateDir);
  const saving = {
    ...records,
    async save(record: UpdateRecord) {
      await records.save(record);
      if (record.result === undefined) return;
      options.onEnded({ kind: 'update-ended', appId: record.appId, result: record.result });
      const title = updateTitle(record);
      if (record.result === 'updated')
        log.info({ app: record.appId, update: 'updated' }, `${record.appId}: updated ${title}`);
      else
        log.warn(
          { app: record.appId, update: record.result },
          `${record.appId}: ${record.result} ${title}: ${record.reason ?? ''}`,
        );
    },
  };
  return {
    /** Every app's last update record; one that cannot be read is named in the log and left out. */
    async loadAtBoot(): Promise<Map<string, UpdateRecord>> {
      const { records: found, problems } = await records.loadAll();
      for (const problem of problems) log.error(`update record skipped: ${problem}`);
      // A restore a crash cut short is finished (or undone) before any container starts on the data.
      for (const record of found.values()) {
        const dataDir = record.to.dataDir;
        if (record.snapshot === undefined || dataDir === undefined) continue;
        const done = await recoverRestore(dataDir).catch((error: unknown) => {
          log.error(
            { app: record.appId, err: String(error) },
            `${record.appId}: a cut-short data restore could not be finished`,
          );
          return 'nothing' as const;
        });
        if (done !== 'nothing')
          log.warn(
            { app: record.appId, restore: done },
            `${record.appId}: a data restore cut short by a crash was ${done}`,
          );
      }
      return found;
    },
    /** An uninstalled app's record goes with it (its snapshots stay, like its data). */
    forget: (appId: string) =>
      records
        .remove(appId)
        .catch((error: unknown) => log.warn({ app: appId, err: String(error) }, 'update record not removed')),
    effects: createUpdateEffects({
      records: saving,
      snapshotsDir: path.join(options.stateDir, 'snapshots'),
      logger: log,
      clock: options.clock,
      ...(options.diskReserveBytes !== undefined ? { diskReserveBytes: options.diskReserveBytes } : {}),
    }),
  };
}
