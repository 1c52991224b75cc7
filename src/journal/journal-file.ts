import { readFile } from 'node:fs/promises';
import { parseRecord, type JournalRecord } from './records.js';

/** What one journal file holds: its readable records, and where it is damaged. */
export interface JournalFileContent {
  records: JournalRecord[];
  /** 1-based numbers of the non-empty lines that are not a record (torn, garbled, random bytes). */
  unreadableLines: number[];
  /**
   * The file does not end with a newline: its last record was cut short (a crash or a full
   * disk mid-write), so the next append must begin a line of its own or both are lost.
   */
  endsTorn: boolean;
}

const EMPTY: JournalFileContent = { records: [], unreadableLines: [], endsTorn: false };

/** Reads one NDJSON journal file; a missing file is an empty one. */
export async function readJournalFile(path: string): Promise<JournalFileContent> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return EMPTY;
    throw error;
  }
  return parseJournalText(text);
}

/** Pure: the records of a journal file's text, and the numbers of the lines that are not one. */
export function parseJournalText(text: string): JournalFileContent {
  const records: JournalRecord[] = [];
  const unreadableLines: number[] = [];
  const lines = text.split('\n');
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    const record = parseRecord(line);
    if (record) records.push(record);
    else unreadableLines.push(index + 1);
  });
  return { records, unreadableLines, endsTorn: text.length > 0 && !text.endsWith('\n') };
}

/** Where the journal is damaged: what `explain` and the metrics say about missing history. */
export interface JournalDamage {
  /** Unreadable lines per file (by file name), as found by the last read. */
  unreadable: Array<{ file: string; lines: number[] }>;
  /** Records this run could not write (disk full, I/O error), and when the first was lost. */
  lostWrites: number;
  lostSince?: number;
}

export function unreadableCount(damage: JournalDamage): number {
  return damage.unreadable.reduce((sum, file) => sum + file.lines.length, 0);
}

/** "journal.ndjson lines 3, 7" (at most `max` numbers per file, then "and N more"). */
export function describeUnreadable(damage: JournalDamage, max = 10): string {
  return damage.unreadable
    .filter((file) => file.lines.length > 0)
    .map(({ file, lines }) => {
      const shown = lines.slice(0, max).join(', ');
      const more = lines.length > max ? ` and ${lines.length - max} more` : '';
      return `${file} line${lines.length === 1 ? '' : 's'} ${shown}${more}`;
    })
    .join('; ');
}
