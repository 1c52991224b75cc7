import type { Colour } from './table.js';

const GOOD = new Set(['running', 'active']);
const BAD = new Set(['failed', 'backoff', 'crashed', 'wedged', 'missing', 'halted', 'inactive', 'manifest-error']);
const RESTING = new Set(['stopped', 'removed']);

/**
 * A state's colour on a terminal: green where the owner wants it, red when it failed or waits
 * out a backoff, dim at rest, yellow on the way (pulling, starting, stopping, waiting, unclaimed).
 * Reads the first word, so `running (stopping)` is running's.
 */
export function stateColour(state: string): Colour {
  const word = state.split(' ')[0] ?? state;
  if (GOOD.has(word)) return 'green';
  if (BAD.has(word)) return 'red';
  if (RESTING.has(word)) return 'dim';
  return 'yellow';
}
