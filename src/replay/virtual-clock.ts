import { createHook } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';
import type { Clock, TimerId } from '../domain/clock.js';

/**
 * Virtual time for a replay (and for sessions recorded on the simulator): a Clock that the
 * replay hands to everything it runs (the orchestrator passes it on to the machines' delays, the
 * RxJS tick and backoffs, probes and effects), and that moves only when the replay says so, one
 * timer at a time, with the process settled in between. No global is patched: code given no
 * clock keeps the real one. Real file I/O (the desired store, the catalog, data dirs) still runs
 * on the real loop; the clock does not move while any is in flight, so its results land at the
 * same virtual moment on every run.
 */
export interface VirtualClock extends Clock {
  /** Virtual ms since the origin. */
  offset(): number;
  /**
   * Moves to `offset`, firing every timer due on the way (timers due exactly then, if set
   * before this call, fire first), settling after each, and calling `afterStep` after each.
   */
  advanceTo(offset: number, afterStep?: () => void): Promise<void>;
  /** Resolves once no promise job, immediate or file operation is pending. */
  settle(): Promise<void>;
}

/** File operations that take longer than this are not waiting for I/O but stuck. */
const IO_LIMIT_MS = 30_000;
/** Timers firing at one virtual instant without end are a loop, not a replay. */
const SAME_INSTANT_LIMIT = 100_000;

const realSetImmediate = globalThis.setImmediate;

/**
 * Requests in flight on libuv's thread pool (file operations, crypto): async_hooks reports each
 * one's start and, right after its callback, its end. Handles (sockets, pipes, open files) are
 * left out: they live long and say nothing about work under way.
 */
function trackRequests(): { pending: () => number; stop: () => void } {
  const inFlight = new Set<number>();
  const hook = createHook({
    init(id, type) {
      if (/REQ/.test(type) && !/^(WRITEWRAP|SHUTDOWNWRAP)$/.test(type)) inFlight.add(id);
    },
    destroy(id) {
      inFlight.delete(id);
    },
  }).enable();
  return { pending: () => inFlight.size, stop: () => hook.disable() };
}

function settler(requests: { pending: () => number }): () => Promise<void> {
  return async () => {
    const deadline = performance.now() + IO_LIMIT_MS;
    // Two quiet turns in a row: a finished operation's continuation may start the next one.
    for (let quiet = 0; quiet < 2;) {
      await new Promise<void>((resolve) => realSetImmediate(resolve));
      if (requests.pending() === 0) {
        quiet += 1;
        continue;
      }
      quiet = 0;
      if (performance.now() > deadline) {
        throw new Error(`replay: file I/O still pending after ${IO_LIMIT_MS / 1000} s of real time`);
      }
    }
  };
}

interface Timer {
  id: number;
  at: number;
  /** Set for an interval: it is due again this long after it fired. */
  every?: number;
  callback: () => void;
}

/**
 * Node runs a timer of less than 1 ms (0, negative, missing) after 1 ms; a virtual clock could
 * run it at once. A backoff of 0 or XState's zero `after` must wait that millisecond here too,
 * or inputs recorded in that millisecond would reach the machines in another order.
 */
function nodeDelay(ms: number): number {
  return ms >= 1 && ms <= 2_147_483_647 ? Math.floor(ms) : 1;
}

/**
 * The timers of one virtual clock. The next to fire is the earliest due; of those due at one
 * instant, the one set first (an interval keeps its place), as Node orders them.
 */
class VirtualTimers {
  private readonly timers = new Map<number, Timer>();
  private nextId = 1;

  constructor(public now: number) {}

  add(callback: () => void, ms: number, repeat: boolean): number {
    const delay = nodeDelay(ms);
    return this.at(callback, this.now + delay, repeat ? delay : undefined);
  }

  /** A timer due at `at` exactly (the replay's own marks, not the code's timers). */
  at(callback: () => void, at: number, every?: number): number {
    const id = this.nextId++;
    this.timers.set(id, { id, at, ...(every === undefined ? {} : { every }), callback });
    return id;
  }

  remove(id: TimerId | undefined): void {
    if (typeof id === 'number') this.timers.delete(id);
  }

  /** Fires the next timer, moving the time to it; false when none is set. */
  fireNext(): boolean {
    let next: Timer | undefined;
    for (const timer of this.timers.values()) {
      if (!next || timer.at < next.at || (timer.at === next.at && timer.id < next.id)) next = timer;
    }
    if (!next) return false;
    this.now = next.at;
    if (next.every === undefined) this.timers.delete(next.id);
    else next.at += next.every;
    next.callback();
    return true;
  }
}

function create(origin: number, settle: () => Promise<void>): VirtualClock {
  const timers = new VirtualTimers(origin);
  return {
    now: () => timers.now,
    setTimeout: (callback, ms) => timers.add(callback, ms, false),
    clearTimeout: (id) => timers.remove(id),
    setInterval: (callback, ms) => timers.add(callback, ms, true),
    clearInterval: (id) => timers.remove(id),
    offset: () => timers.now - origin,
    settle,
    async advanceTo(offset, afterStep) {
      // As on a real loop, no timer fires while promise jobs or file I/O are still pending.
      await settle();
      const target = origin + Math.floor(offset);
      // Equal: timers already due now still fire before whatever the caller does next.
      if (timers.now > target) return;
      let reached = false;
      timers.at(() => {
        reached = true;
      }, target);
      let instant = timers.now;
      let firedAtInstant = 0;
      while (!reached) {
        timers.fireNext();
        await settle();
        afterStep?.();
        if (timers.now !== instant) {
          instant = timers.now;
          firedAtInstant = 0;
        } else if (++firedAtInstant > SAME_INSTANT_LIMIT) {
          throw new Error(`replay: more than ${SAME_INSTANT_LIMIT} timers fired at one virtual instant`);
        }
      }
    },
  };
}

let queue: Promise<void> = Promise.resolve();

/**
 * Runs `run` on a virtual clock starting at `origin` (ms since epoch). Nothing global changes;
 * still, replays in one process take turns, because settling waits for every file operation
 * of the process, and another replay's would hold this one's time back.
 */
export function withVirtualClock<T>(origin: number, run: (clock: VirtualClock) => Promise<T>): Promise<T> {
  const result = queue.then(async () => {
    const requests = trackRequests();
    try {
      return await run(create(origin, settler(requests)));
    } finally {
      requests.stop();
    }
  });
  queue = result.then(
    () => undefined,
    () => undefined,
  );
  return result;
}
