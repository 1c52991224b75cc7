import { describe, expect, it } from 'vitest';
import type { JournalRecord } from '../../src/journal/records.js';
import { adoptionsFrom, lastOwnerWords } from '../../src/state/owner-words.js';

const command = (seq: number, appId: string, name: string): JournalRecord =>
  ({ type: 'command', seq, at: seq * 1000, appId, command: name, outcome: 'applied' }) as JournalRecord;

describe("the owner's last words, for adoption", () => {
  it("a companion's words (stop bitcoind/ui) are not an app's: a lost desired.json adopts apps only", () => {
    const words = lastOwnerWords([
      command(1, 'bitcoind', 'install'),
      command(2, 'bitcoind/ui', 'stop'),
      command(3, 'bitcoind/ui', 'start'),
    ]);
    expect([...words.keys()]).toEqual(['bitcoind']);
    expect(adoptionsFrom(new Map(), words).adopt.map((entry) => entry.appId)).toEqual(['bitcoind']);
  });
});
