import { mkdir, open, rename, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../log.js';
import { describeUnreadable, readJournalFile, unreadableCount, type JournalDamage } from './journal-file.js';
import type { JournalRecord, NewJournalRecord } from './records.js';

export interface JournalOptions {
  /** Folder of `journal.ndjson` and its one rotated predecessor `journal.1.ndjson`. */
  dir: string;
  /** The live file is rotated before it would grow past this; at most twice this is kept. Default 1 MiB. */
  maxBytes?: number;
  logger: Logger;
  /** A record could not be written (disk full, I/O error): podwarden goes on acting without it. */
  onWriteFailure?: (error: unknown) => void;
}

export interface Journal {
  /** Reads what earlier runs wrote (both files) and opens the live file for appending. */
  open(): Promise<JournalRecord[]>;
  /**
   * Appends a record, fsync'd (fdatasync) before the promise resolves, and resolves with its
   * seq. Never rejects: a failed write is logged and reported through `onWriteFailure`.
   */
  append(record: NewJournalRecord): Promise<number>;
  /** Every record still on disk, oldest first. */
  read(): Promise<JournalRecord[]>;
  /** Unreadable lines found by the last `open` or `read`, and the records this run could not write. */
  damage(): JournalDamage;
  close(): Promise<void>;
}

export const DEFAULT_JOURNAL_MAX_BYTES = 1024 * 1024;
export const JOURNAL_FILE = 'journal.ndjson';
export const ROTATED_JOURNAL_FILE = 'journal.1.ndjson';

/**
 * The intent journal: append-only NDJSON, one fsync'd record per line, bounded by rotation
 * (the live file becomes `journal.1.ndjson`, replacing the previous one). Appends are
 * serialized, so seq order is file order.
 */
export function createJournal(options: JournalOptions): Journal {
  const maxBytes = options.maxBytes ?? DEFAULT_JOURNAL_MAX_BYTES;
  const live = join(options.dir, JOURNAL_FILE);
  const rotated = join(options.dir, ROTATED_JOURNAL_FILE);
  const log = options.logger;
  let handle: FileHandle | undefined;
  let size = 0;
  let seq = 0;
  let queue: Promise<unknown> = Promise.resolve();

  let unreadable: JournalDamage['unreadable'] = [];
  let lostWrites = 0;
  let lostSince: number | undefined;
  // The live file's last line was cut short (found at open, or left by a failed append): the
  // next record begins with a newline of its own, so the torn one cannot swallow it.
  let torn = false;
  let liveEndsTorn = false;

  async function read(): Promise<JournalRecord[]> {
    const older = await readJournalFile(rotated);
    const newer = await readJournalFile(live);
    unreadable = [
      { file: ROTATED_JOURNAL_FILE, lines: older.unreadableLines },
      { file: JOURNAL_FILE, lines: newer.unreadableLines },
    ].filter((file) => file.lines.length > 0);
    liveEndsTorn = newer.endsTorn;
    return [...older.records, ...newer.records];
  }

  async function openLive(): Promise<void> {
    handle = await open(live, 'a', 0o600);
    size = (await handle.stat()).size;
  }

  async function write(record: string): Promise<void> {
    const line = torn ? `\n${record}` : record;
    const bytes = Buffer.byteLength(line);
    if (!handle) await openLive();
    if (size > 0 && size + bytes > maxBytes) {
      await handle!.close();
      handle = undefined;
      await rename(live, rotated);
      await openLive();
    }
    await handle!.appendFile(line);
    await handle!.datasync();
    size += bytes;
    torn = false;
  }

  function damage(): JournalDamage {
    return { unreadable, lostWrites, ...(lostSince === undefined ? {} : { lostSince }) };
  }

  return {
    async open() {
      await mkdir(options.dir, { recursive: true, mode: 0o700 });
      const records = await read();
      torn = liveEndsTorn;
      const found = damage();
      if (unreadableCount(found) > 0) {
        // Not fatal: the journal is history, not the owner's intent; but say where it is lost.
        log.warn(
          { unreadableLines: unreadableCount(found), where: describeUnreadable(found) },
          `intent journal: ${unreadableCount(found)} unreadable line(s) skipped (${describeUnreadable(found)}); explain's history may be incomplete`,
        );
      }
      seq = records.reduce((highest, record) => Math.max(highest, record.seq), 0);
      await openLive();
      return records;
    },

    append(record) {
      seq += 1;
      const numbered = { seq, ...record } as JournalRecord;
      const line = `${JSON.stringify(numbered)}\n`;
      const done = queue
        .then(() => write(line))
        .then(
          () => numbered.seq,
          (error: unknown) => {
            // A lost handle (ENOSPC mid-rotation) is reopened by the next append. Part of the
            // line may have reached the file: the next record starts on a fresh line.
            handle?.close().catch(() => undefined);
            handle = undefined;
            torn = true;
            lostWrites += 1;
            lostSince ??= record.at;
            log.error(
              { err: error instanceof Error ? error.message : String(error), app: record.appId, record: record.type },
              'intent journal write failed; podwarden keeps acting without this record',
            );
            options.onWriteFailure?.(error);
            return numbered.seq;
          },
        );
      queue = done;
      return done;
    },

    read: () => queue.then(read, read),

    damage,

    async close() {
      await queue;
      await handle?.close();
      handle = undefined;
    },
  };
}
