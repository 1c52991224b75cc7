import { describe, expect, it } from 'vitest';
import { explainApp } from '../../src/explain/explain.js';
import type { JournalRecord } from '../../src/journal/records.js';

// Issue 11: `explain` silently left out a step whose record a full disk had torn.

const at = (hms: string) => Date.parse(`2026-12-05T${hms}Z`);
const app = { appId: 'web', state: 'running', desired: 'running', reason: 'running', failures: 0 };

describe('explain says when history is missing', () => {
  const records: JournalRecord[] = [
    { type: 'command', seq: 1, at: at('10:00:00'), appId: 'web', command: 'install', outcome: 'applied' },
    // seq 2 and 3 were lost (a torn record, a write the full disk refused)
    {
      type: 'intent',
      seq: 4,
      at: at('10:00:02'),
      appId: 'web',
      step: 'start',
      cause: { reason: 'no container', trigger: 'previous step done' },
    },
    { type: 'outcome', seq: 5, at: at('10:00:02'), appId: 'web', step: 'start', intent: 4, ok: true },
  ];

  it('from gaps in the record numbers', () => {
    const answer = explainApp(app, 'web', records);
    expect(answer.missing).toBe('History may be missing: records 2–3 are missing.');
    expect(answer.text.endsWith(answer.missing!)).toBe(true);
  });

  it('from unreadable lines and writes this run lost', () => {
    const answer = explainApp(app, 'web', records.slice(0, 1), {
      unreadable: [{ file: 'journal.ndjson', lines: [2, 3] }],
      lostWrites: 1,
      lostSince: at('10:00:01'),
    });
    expect(answer.missing).toBe(
      'History may be missing: 2 journal lines could not be read (journal.ndjson lines 2, 3); 1 record could not be written since 10:00:01 UTC.',
    );
  });

  it('says nothing when the journal is whole', () => {
    expect(
      explainApp(
        app,
        'web',
        records.filter((record) => record.seq < 2),
      ).missing,
    ).toBeUndefined();
  });

  it('a refused command is told as refused, never as done', () => {
    const answer = explainApp(app, 'web', [
      {
        type: 'command',
        seq: 1,
        at: at('10:00:00'),
        appId: 'web',
        command: 'stop',
        outcome: 'refused',
        error: 'cannot write /s/desired.json: the disk is full (no space left on device)',
      },
    ]);
    expect(answer.history).toEqual([
      'At 10:00:00 the owner asked to stop it; refused, nothing changed: cannot write /s/desired.json: the disk is full (no space left on device).',
    ]);
  });
});
