import { mkdir, open, readFile, rename, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../log.js';
import { parseRecord, type JournalRecord, type NewJournalRecord } from './records.js';

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

  async function readFileRecords(path: string): Promise<JournalRecord[]> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const records: JournalRecord[] = [];
    for (const line of text.split('\n')) {
      const record = parseRecord(line);
      if (record) records.push(record);
    }
    return records;
  }

  async function read(): Promise<JournalRecord[]> {
    return [...(await readFileRecords(rotated)), ...(await readFileRecords(live))];
  }

  async function openLive(): Promise<void> {
    handle = await open(live, 'a', 0o600);
    size = (await handle.stat()).size;
  }

  async function write(line: string): Promise<void> {
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
  }

  return {
    async open() {
      await mkdir(options.dir, { recursive: true, mode: 0o700 });
      const records = await read();
      seq = records.reduce((highest, record) => Math.max(highest, record.seq), 0);
      await openLive();
      return records;
    },

    append(record) {
      seq += 1;
      const numbered = { seq, ...record } as JournalRecord;
      const line = `${JSON.stringify(numbered)}\n`;
      const done = queue.then(() => write(line)).then(
        () => numbered.seq,
        (error: unknown) => {
          // A lost handle (ENOSPC mid-rotation) is reopened by the next append.
          handle?.close().catch(() => undefined);
          handle = undefined;
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

    async close() {
      await queue;
      await handle?.close();
      handle = undefined;
    },
  };
}
