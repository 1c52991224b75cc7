import { appendFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createJournal, JOURNAL_FILE, ROTATED_JOURNAL_FILE } from '../../src/journal/journal.js';
import { parseJournalText } from '../../src/journal/journal-file.js';
import type { NewJournalRecord } from '../../src/journal/records.js';
import { silentLogger } from '../../src/log.js';
import { capturedLog } from '../support/captured-log.js';

// Issue 11: a record cut short by a full disk (or a crash) swallowed the next one, and garbled
// lines were skipped without a word.

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'podwarden-torn-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const command = (appId: string, name = 'install'): NewJournalRecord => ({
  type: 'command',
  at: 1_700_000_000_000,
  appId,
  command: name,
  outcome: 'applied',
});

async function linesOf(file: string): Promise<string[]> {
  return (await readFile(join(dir, file), 'utf8')).split('\n');
}

describe('a journal that survives torn writes', () => {
  it('a torn last record found at boot: the next append starts on a fresh line, and the torn line is counted', async () => {
    const first = createJournal({ dir, logger: silentLogger() });
    await first.open();
    await first.append(command('web'));
    await first.close();
    // What a full disk or a kill -9 mid-write leaves: the start of a record, no newline.
    await appendFile(join(dir, JOURNAL_FILE), '{"seq":2,"type":"command","at":1,"appId":"we');

    const log = capturedLog();
    const second = createJournal({ dir, logger: log.logger });
    expect((await second.open()).map((record) => record.seq)).toEqual([1]);
    expect(await second.append(command('db'))).toBe(2);
    await second.close();

    const reread = parseJournalText(await readFile(join(dir, JOURNAL_FILE), 'utf8'));
    expect(reread.records.map((record) => [record.seq, record.appId])).toEqual([
      [1, 'web'],
      [2, 'db'],
    ]);
    expect(reread.unreadableLines).toEqual([2]);
    expect(second.damage().unreadable).toEqual([{ file: JOURNAL_FILE, lines: [2] }]);
    expect(log.text()).toContain('journal.ndjson line 2');
  });

  it('after a failed append, the next record starts on a fresh line', async () => {
    const gone = join(dir, 'state');
    const journal = createJournal({ dir: gone, logger: silentLogger() });
    // The folder is missing: the write fails (as on a full disk). A partial line then appears,
    // as a write that ran out of space leaves one.
    await journal.append(command('web'));
    await mkdir(gone);
    await writeFile(join(gone, JOURNAL_FILE), '{"seq":1,"type":"comm');
    await journal.append(command('db'));
    await journal.close();
    expect(await linesOf(join('state', JOURNAL_FILE))).toEqual([
      '{"seq":1,"type":"comm',
      expect.stringContaining('"appId":"db"'),
      '',
    ]);
    expect(journal.damage()).toMatchObject({ lostWrites: 1, lostSince: 1_700_000_000_000 });
  });

  it('garbled lines and random bytes at boot are counted and logged with their line numbers', async () => {
    await writeFile(
      join(dir, ROTATED_JOURNAL_FILE),
      `${JSON.stringify({ seq: 1, ...command('web') })}\n\u0000\u0001garbage\n`,
    );
    await writeFile(join(dir, JOURNAL_FILE), `not json\n${JSON.stringify({ seq: 2, ...command('db') })}\n{"seq":3}\n`);
    const log = capturedLog();
    const journal = createJournal({ dir, logger: log.logger });
    expect((await journal.open()).map((record) => record.seq)).toEqual([1, 2]);
    expect(journal.damage().unreadable).toEqual([
      { file: ROTATED_JOURNAL_FILE, lines: [2] },
      { file: JOURNAL_FILE, lines: [1, 3] },
    ]);
    expect(log.text()).toContain('3 unreadable line(s) skipped (journal.1.ndjson line 2; journal.ndjson lines 1, 3)');
    await journal.close();
  });

  it('a journal of random bytes: every line counted, and podwarden appends after it', async () => {
    const noise = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256));
    await writeFile(join(dir, JOURNAL_FILE), noise);
    const journal = createJournal({ dir, logger: silentLogger() });
    expect(await journal.open()).toEqual([]);
    const lines = noise
      .toString('utf8')
      .split('\n')
      .filter((line) => line.trim() !== '').length;
    expect(journal.damage().unreadable[0]!.lines).toHaveLength(lines);
    await journal.append(command('web'));
    expect((await journal.read()).map((record) => record.appId)).toEqual(['web']);
    await journal.close();
  });
});
