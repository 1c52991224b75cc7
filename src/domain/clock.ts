/** A pending timer of a Clock: only the clock that made it can clear it. */
export type TimerId = object | number;

/**
 * Where podwarden reads the time and sets its timers. Machines, effects, streams and the
 * simulator take one instead of the globals, so a replay (or a test) can run them all on one
 * virtual clock without patching `Date` or `setTimeout`. XState's actor `clock` option is the
 * `setTimeout`/`clearTimeout` half of it.
 *
 * @example
 * const orchestrator = createOrchestrator({ catalogDir, stateDir, clock: systemClock });
 */
export interface Clock {
  /** Ms since the epoch. */
  now(): number;
  setTimeout(callback: () => void, ms: number): TimerId;
  clearTimeout(id: TimerId | undefined): void;
  setInterval(callback: () => void, ms: number): TimerId;
  clearInterval(id: TimerId | undefined): void;
}

type NodeTimer = ReturnType<typeof globalThis.setTimeout>;

/**
 * The wall clock and Node's timers: the default everywhere. Each call looks the global up when
 * it is made (not when this module loads), so vitest's fake timers still drive code given it.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (id) => globalThis.clearTimeout(id as NodeTimer | undefined),
  setInterval: (callback, ms) => globalThis.setInterval(callback, ms),
  clearInterval: (id) => globalThis.clearInterval(id as NodeTimer | undefined),
};

/** Resolves after `ms` on `clock`. */
export function sleepOn(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimeout(resolve, ms));
}
