import { afterEach, beforeEach, vi } from 'vitest';

/**
 * Every test of the calling file runs on vitest's fake clock: minutes of timers in
 * milliseconds, and times asserted exactly without waiting for them. `beforeStop` runs after
 * each test while the clock is still fake (what it stops may have timers of its own); the real
 * clock comes back even when it fails.
 */
export function useFakeClock(beforeStop?: () => Promise<void> | void): void {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(async () => {
    try {
      await beforeStop?.();
    } finally {
      vi.useRealTimers();
    }
  });
}
