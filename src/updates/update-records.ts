import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { UpdateRecord } from '../../machines/update.js';
import { writeFileAtomic } from '../state/atomic-write.js';

/**
 * Each app's last update on disk, `<stateDir>/updates/<appId>.json`: written (atomically)
 * before an update does anything, with its snapshot once taken, at the hand-over to the new
 * version, when a rollback starts, and when it ends; read at boot. An update found there
 * without a result was cut short and is rolled back (machines/update.ts `resumedUpdate`); an
 * ended one says which version was rolled back and keeps the spec to go back to for the owner's
 * `rollback`. Holds specs (image, env, mounts) but no values files' content: mode 0600 all
 * the same, like desired.json.
 */
export interface UpdateRecords {
  save(record: UpdateRecord): Promise<void>;
  /** Every app's record; a file that cannot be read is skipped and named in `problems`. */
  loadAll(): Promise<{ records: Map<string, UpdateRecord>; problems: string[] }>;
  /** An uninstalled app's record goes with it. */
  remove(appId: string): Promise<void>;
}

const PHASES = new Set(['preparing', 'trial', 'rolling-back']);
const RESULTS = new Set(['updated', 'rolled-back', 'abandoned']);
const FILE_LIMIT_BYTES = 1024 * 1024;

export function createUpdateRecords(stateDir: string): UpdateRecords {
  const dir = path.join(stateDir, 'updates');
  const fileOf = (appId: string) => path.join(dir, `${appId}.json`);
  // The folder is made by the first save, not by each; made again only when it went missing
  // (removed by hand under a running daemon), and a failed attempt is tried again next time.
  let made: Promise<unknown> | undefined;
  const makeDir = () =>
    (made ??= mkdir(dir, { recursive: true, mode: 0o700 }).catch((error: unknown) => {
      made = undefined;
      throw error;
    }));
  const write = (record: UpdateRecord) =>
    writeFileAtomic(fileOf(record.appId), `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
  return {
    async save(record) {
      await makeDir();
      try {
        await write(record);
      } catch (error) {
        if ((error as { code?: string }).code !== 'ENOENT') throw error;
        made = undefined;
        await makeDir();
        await write(record);
      }
    },
    async loadAll() {
      const records = new Map<string, UpdateRecord>();
      const problems: string[] = [];
      let names: string[];
      try {
        names = await readdir(dir);
      } catch (error) {
        if ((error as { code?: string }).code === 'ENOENT') return { records, problems };
        throw error;
      }
      for (const name of names.filter((n) => n.endsWith('.json') && !n.startsWith('.'))) {
        const file = path.join(dir, name);
        const problem = await readRecord(file, name.slice(0, -'.json'.length)).then(
          (record) => {
            records.set(record.appId, record);
            return undefined;
          },
          (error: unknown) => `${file}: ${error instanceof Error ? error.message : String(error)}`,
        );
        if (problem) problems.push(problem);
      }
      return { records, problems };
    },
    async remove(appId) {
      await rm(fileOf(appId), { force: true });
    },
  };
}

/** Records kept in memory only (tests on fake timers, where file writes would not keep step; replays). */
export function memoryUpdateRecords(): UpdateRecords {
  const records = new Map<string, UpdateRecord>();
  return {
    save: async (record) => void records.set(record.appId, structuredClone(record)),
    loadAll: async () => ({ records: new Map(records), problems: [] }),
    remove: async (appId) => void records.delete(appId),
  };
}

async function readRecord(file: string, appId: string): Promise<UpdateRecord> {
  const text = await readFile(file, 'utf8');
  if (text.length > FILE_LIMIT_BYTES) throw new Error(`larger than ${FILE_LIMIT_BYTES} bytes`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error('not valid JSON (a write cut short is never left in place: the file was changed by hand?)');
  }
  const record = value as Partial<UpdateRecord>;
  const problem =
    typeof record !== 'object' || record === null
      ? 'not an object'
      : record.appId !== appId
        ? `appId is ${JSON.stringify(record.appId)}, not ${JSON.stringify(appId)} as its name says`
        : !isSpec(record.from) || !isSpec(record.to)
          ? '"from" and "to" must be the specs of the two versions'
          : !PHASES.has(String(record.phase))
            ? `phase ${JSON.stringify(record.phase)} is none of ${[...PHASES].join(', ')}`
            : record.result !== undefined && !RESULTS.has(String(record.result))
              ? `result ${JSON.stringify(record.result)} is none of ${[...RESULTS].join(', ')}`
              : !Array.isArray(record.done)
                ? '"done" must be a list'
                : undefined;
  if (problem) throw new Error(problem);
  return record as UpdateRecord;
}

function isSpec(value: unknown): boolean {
  const spec = value as { appId?: unknown; specHash?: unknown; container?: unknown; image?: unknown } | undefined;
  return (
    typeof spec === 'object' &&
    spec !== null &&
    typeof spec.appId === 'string' &&
    typeof spec.specHash === 'string' &&
    typeof spec.container === 'object' &&
    typeof spec.image === 'object'
  );
}
