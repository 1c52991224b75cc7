import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../machines/backoff.js';
import { DEFAULT_BACKOFF } from '../../machines/types.js';

describe('crash-loop backoff', () => {
  it('restarts at once after the first failure, then doubles from the initial delay up to the cap', () => {
    const delays = Array.from({ length: 9 }, (_, i) => backoffDelay(i + 1, { ...DEFAULT_BACKOFF, jitter: 0 }));
    expect(delays).toEqual([0, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000]);
  });

  it('follows a custom policy', () => {
    const policy = { initialMs: 100, factor: 3, maxMs: 1_000, resetAfterMs: 5_000 };
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, policy))).toEqual([0, 100, 300, 900, 1_000]);
  });
});
