import type { BackoffPolicy } from './types.js';

/**
 * Delay before restart number `failures` (1-based count of consecutive failures).
 * The first failure after a stable run restarts at once: a one-off crash should cost
 * milliseconds, not a backoff step. From the second on: initial × factor^(n-2), capped.
 */
export function backoffDelay(failures: number, policy: BackoffPolicy): number {
  if (failures <= 1) return 0;
  const delay = policy.initialMs * policy.factor ** (failures - 2);
  return Math.min(policy.maxMs, delay);
}
