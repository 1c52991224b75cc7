import { appendFile, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createJournal, JOURNAL_FILE, ROTATED_JOURNAL_FILE } from '../../src/journal/journal.js';
import type { NewJournalRecord } from '../../src/journal/records.js';
import { silentLogger } from '../../src/log.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'podwarden-journal-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const intent = (appId: string, step = 'start'): NewJournalRecord => ({
  type: 'intent',
  at: 1_700_000_000_000,
  appId,
  step,
  containerName: `podwarden-${appId}`,
  cause: { reason: 'exited with code 1', trigger: 'pass 3' },
});

describe('intent journal', () => {
  it('appends numbered NDJSON records and reads them back after a reopen, seq continuing', async () => {
    const first = createJournal({ dir, logger: silentLogger() });
    expect(await first.open()).toEqual([]);
    expect(await first.append(intent('web'))).toBe(1);
    expect(await first.append({ type: 'outcome', at: 1, appId: 'web', step: 'start', intent: 1, ok: true })).toBe(2);
    await first.close();
    const lines = (await readFile(join(dir, JOURNAL_FILE), 'utf8')).trim().split('\n');
    expect(lines.map((line) => JSON.parse(line).seq)).toEqual([1, 2]);
    expect((await stat(join(dir, JOURNAL_FILE))).mode & 0o777).toBe(0o600);

    const second = createJournal({ dir, logger: silentLogger() });
    expect((await second.open()).map((record) => record.seq)).toEqual([1, 2]);
    expect(await second.append(intent('web'))).toBe(3);
    await second.close();
  });

  it('rotates before the live file would pass maxBytes, keeping one predecessor', async () => {
    const journal = createJournal({ dir, logger: silentLogger(), maxBytes: 600 });
    await journal.open();
    for (let i = 0; i < 12; i++) await journal.append(intent(`app${i}`));
    const live = await stat(join(dir, JOURNAL_FILE));
    const rotated = await stat(join(dir, ROTATED_JOURNAL_FILE));
    expect(live.size).toBeLessThanOrEqual(600);
    expect(rotated.size).toBeLessThanOrEqual(600);
    const kept = await journal.read();
    // The newest records survive, in order; the oldest went with the second rotation.
    expect(kept.at(-1)!.seq).toBe(12);
    expect(kept.map((record) => record.seq)).toEqual([...kept.map((record) => record.seq)].sort((a, b) => a - b));
    expect(kept.length).toBeLessThan(12);
    await journal.close();
  });

  it('skips a line a crash tore in half', async () => {
    const journal = createJournal({ dir, logger: silentLogger() });
    await journal.open();
    await journal.append(intent('web'));
    await journal.close();
    await appendFile(join(dir, JOURNAL_FILE), '{"seq":2,"type":"intent","at":1,"appId":"we');
    const reopened = createJournal({ dir, logger: silentLogger() });
    expect((await reopened.open()).map((record) => record.seq)).toEqual([1]);
    await reopened.close();
  });

  it('a failed write is reported, never thrown: podwarden keeps acting', async () => {
    const failures: unknown[] = [];
    // Its folder is gone (a disk that failed, a state dir removed under it): every write fails.
    const journal = createJournal({
      dir: join(dir, 'gone'),
      logger: silentLogger(),
      onWriteFailure: (error) => failures.push(error),
    });
    await expect(journal.append(intent('web'))).resolves.toBe(1);
    await expect(journal.append(intent('web'))).resolves.toBe(2);
    expect(failures).toHaveLength(2);
    expect(String(failures[0])).toMatch(/ENOENT/);
  });
});
