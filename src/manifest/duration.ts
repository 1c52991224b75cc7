/**
 * Durations as manifests write them: "500ms", "10s", "5m", "1h", "1m30s", or a plain number
 * of seconds (30 or "30"). Everything inside podwarden counts milliseconds.
 */

import { excerpt } from './excerpt.js';

const UNIT_MS = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as const;
type Unit = keyof typeof UNIT_MS;

// Largest unit first, each at most once: "1m30s" reads one way only, and "30s1m" is more
// likely a typo than an intent.
const UNIT_ORDER: readonly Unit[] = ['h', 'm', 's', 'ms'];

const PART = /(\d+(?:\.\d+)?)(ms|h|m|s)/y;
const PLAIN_SECONDS = /^\d+(?:\.\d+)?$/;

export class DurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DurationError';
  }
}

const HINT = 'use a number with a unit (500ms, 10s, 5m, 1h, 1m30s) or a plain number of seconds';

/** Milliseconds, rounded to a whole number. Throws a DurationError naming the bad input. */
export function parseDuration(input: string | number): number {
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0) {
      throw new DurationError(`invalid duration ${input}: ${HINT}`);
    }
    return checked(input * 1000, String(input));
  }
  const text = input.trim();
  if (PLAIN_SECONDS.test(text)) return checked(Number(text) * 1000, input);
  if (text === '') throw new DurationError(`invalid duration "": ${HINT}`);

  let total = 0;
  let nextUnit = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < text.length) {
    const match = PART.exec(text);
    if (!match) throw new DurationError(`invalid duration ${excerpt(input)}: ${HINT}`);
    const unit = match[2] as Unit;
    const rank = UNIT_ORDER.indexOf(unit);
    if (rank < nextUnit) {
      throw new DurationError(
        `invalid duration ${excerpt(input)}: write units from largest to smallest, each once (e.g. 1h30m, 1m30s)`,
      );
    }
    nextUnit = rank + 1;
    total += Number(match[1]) * UNIT_MS[unit];
  }
  return checked(total, input);
}

function checked(ms: number, input: string): number {
  const rounded = Math.round(ms);
  if (!Number.isSafeInteger(rounded)) {
    throw new DurationError(`invalid duration ${excerpt(input)}: too large`);
  }
  return rounded;
}

/** The shortest manifest-style spelling of `ms`: 90000 → "1m30s", 1500 → "1s500ms", 0 → "0s". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) throw new DurationError(`cannot format duration ${ms}`);
  let rest = Math.round(ms);
  if (rest === 0) return '0s';
  let out = '';
  for (const unit of UNIT_ORDER) {
    const count = Math.floor(rest / UNIT_MS[unit]);
    if (count > 0) {
      out += `${count}${unit}`;
      rest -= count * UNIT_MS[unit];
    }
  }
  return out;
}
