import type { BackoffPolicy } from './types.js';

/**
 * Delay before restart number `failures` (1-based count of consecutive failures).
 * The first failure after a stable run restarts at once: a one-off crash should cost
 * milliseconds, not a backoff step. From the second on: initial × factor^(n-2), capped, then
 * spread by the policy's jitter. The spread is a pure function of `seed` and `failures`, so a
 * machine given the same seed waits the same times on every run (tests, replays).
 */
export function backoffDelay(failures: number, policy: BackoffPolicy, seed = 0): number {
  if (failures <= 1) return 0;
  const delay = Math.min(policy.maxMs, policy.initialMs * policy.factor ** (failures - 2));
  const jitter = policy.jitter ?? 0;
  if (jitter <= 0) return delay;
  const spread = 2 * unitInterval(seed, failures) - 1; // in [-1, 1)
  return Math.max(0, Math.round(delay * (1 + jitter * spread)));
}

/**
 * A well-mixed number in [0, 1) from two integers (the finaliser of MurmurHash3): neighbouring
 * failure counts and neighbouring seeds land far apart.
 */
export function unitInterval(seed: number, n: number): number {
  let h = (Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(n | 0, 0x85ebca6b)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 0x1_0000_0000;
}

/** A stable number from a string (FNV-1a): the default jitter seed of an app, so apps spread apart. */
export function seedOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
