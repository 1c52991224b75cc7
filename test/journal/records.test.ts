import { describe, expect, it } from 'vitest';
import { parseRecord } from '../../src/journal/records.js';

// The journal's lines are checked by hand (no schema library on the daemon's main thread): the
// rules the zod schema had, one by one.
describe('a journal line', () => {
  const intent = {
    type: 'intent',
    seq: 3,
    at: 1_700_000_000_000,
    appId: 'electrs',
    step: 'render',
    files: [{ path: 'config.toml', change: 'changed' }],
    cause: { reason: 'install', trigger: 'owner' },
  };

  it('gives each kind of record as written', () => {
    expect(parseRecord(JSON.stringify(intent))).toEqual(intent);
    const outcome = {
      type: 'outcome',
      seq: 4,
      at: 1,
      appId: 'electrs',
      step: 'render',
      intent: 3,
      ok: false,
      error: 'x',
    };
    expect(parseRecord(JSON.stringify(outcome))).toEqual(outcome);
    const command = {
      type: 'command',
      seq: 5,
      at: 2,
      appId: 'electrs',
      command: 'stop',
      outcome: 'refused',
      error: 'y',
    };
    expect(parseRecord(JSON.stringify(command))).toEqual(command);
  });

  it('drops fields a later podwarden wrote, at every level, and keeps the record', () => {
    const later = {
      ...intent,
      extra: 1,
      cause: { ...intent.cause, detail: 'new' },
      files: [{ ...intent.files[0], size: 9 }],
    };
    expect(parseRecord(JSON.stringify(later))).toEqual(intent);
  });

  it.each([
    ['torn', JSON.stringify(intent).slice(0, 30)],
    ['not an object', '[1, 2]'],
    ['null', 'null'],
    ['an unknown type', JSON.stringify({ ...intent, type: 'note' })],
    ['a missing field', JSON.stringify({ ...intent, appId: undefined })],
    ['a seq that is not a whole number', JSON.stringify({ ...intent, seq: 1.5 })],
    ['a field of the wrong type', JSON.stringify({ ...intent, image: 7 })],
    ['a cause without its trigger', JSON.stringify({ ...intent, cause: { reason: 'install' } })],
    ['a file entry of the wrong shape', JSON.stringify({ ...intent, files: [{ path: 'a' }] })],
    [
      'an unknown command outcome',
      JSON.stringify({ type: 'command', seq: 1, at: 1, appId: 'a', command: 'c', outcome: 'maybe' }),
    ],
    ['an outcome without ok', JSON.stringify({ type: 'outcome', seq: 1, at: 1, appId: 'a', step: 's', intent: 0 })],
  ])('is no record when %s', (_name, line) => {
    expect(parseRecord(line)).toBeUndefined();
  });

  it('is nothing when blank', () => {
    expect(parseRecord('   ')).toBeUndefined();
  });
});
