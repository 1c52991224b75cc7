import { describeUnreadable, unreadableCount, type JournalDamage } from '../journal/journal-file.js';
import type { JournalRecord } from '../journal/records.js';
import { clock } from './clock.js';

/**
 * Pure: a sentence saying the journal's history has holes, or undefined when it has none.
 * Holes are lines that could not be read, records this run could not write (full disk), and
 * gaps in the record numbers (a number is taken before its write, so a lost write of an earlier
 * run leaves one). Rotation drops whole old files, never a number in between.
 */
export function missingHistory(
  records: readonly JournalRecord[],
  damage: JournalDamage | undefined,
): string | undefined {
  const holes: string[] = [];
  const unreadable = damage ? unreadableCount(damage) : 0;
  if (damage && unreadable > 0)
    holes.push(
      `${unreadable} journal line${unreadable === 1 ? '' : 's'} could not be read (${describeUnreadable(damage)})`,
    );
  if (damage && damage.lostWrites > 0) {
    const since = damage.lostSince === undefined ? '' : ` since ${clock(damage.lostSince)} UTC`;
    holes.push(`${damage.lostWrites} record${damage.lostWrites === 1 ? '' : 's'} could not be written${since}`);
  }
  const gaps = seqGaps(records);
  if (gaps.length > 0) holes.push(`records ${gaps.join(', ')} are missing`);
  if (holes.length === 0) return undefined;
  return `History may be missing: ${holes.join('; ')}.`;
}

/** "5", "7–9": runs of record numbers absent between the first and the last kept one. */
function seqGaps(records: readonly JournalRecord[]): string[] {
  const seqs = [...new Set(records.map((record) => record.seq))].sort((a, b) => a - b);
  const gaps: string[] = [];
  for (let i = 1; i < seqs.length; i += 1) {
    const from = seqs[i - 1]! + 1;
    const to = seqs[i]! - 1;
    if (to >= from) gaps.push(from === to ? `${from}` : `${from}–${to}`);
  }
  return gaps;
}
