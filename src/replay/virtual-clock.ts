import { createHook } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';
import { withGlobal, type InstalledClock } from '@sinonjs/fake-timers';

/**
 * Virtual time for a replay (and for sessions recorded on the simulator): Date, setTimeout and
 * setInterval are replaced on the global object (XState's delays, RxJS's interval and timer, and
 * every Date.now() read them from there), and time moves only when the replay says so, one timer
 * at a time, with the process settled in between. Real file I/O (the desired store, the catalog,
 * data dirs) still runs on the real loop; the clock does not move while any is in flight, so its
 * results land at the same virtual moment on every run.
 */
export interface VirtualClock {
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

const FAKED = ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] as const;
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

function create(clock: InstalledClock, origin: number, settle: () => Promise<void>): VirtualClock {
  return {
    offset: () => clock.now - origin,
    settle,
    async advanceTo(offset, afterStep) {
      // As on a real loop, no timer fires while promise jobs or file I/O are still pending.
      await settle();
      const target = origin + Math.floor(offset);
      // Equal: timers already due now still fire before whatever the caller does next.
      if (clock.now > target) return;
      let reached = false;
      clock.setTimeout(() => {
        reached = true;
      }, target - clock.now);
      let instant = clock.now;
      let firedAtInstant = 0;
      while (!reached) {
        clock.next();
        await settle();
        afterStep?.();
        if (clock.now !== instant) {
          instant = clock.now;
          firedAtInstant = 0;
        } else if (++firedAtInstant > SAME_INSTANT_LIMIT) {
          throw new Error(`replay: more than ${SAME_INSTANT_LIMIT} timers fired at one virtual instant`);
        }
      }
    },
  };
}

/**
 * Node runs a timer of less than 1 ms (0, negative, missing) after 1 ms; the fake clock would
 * run it at once. A backoff of 0 or XState's zero `after` must wait that millisecond here too,
 * or inputs recorded in that millisecond would reach the machines in another order.
 */
function actLikeNode(): () => void {
  const nodeDelay = (ms: unknown) => {
    const delay = Number(ms);
    return delay >= 1 && delay <= 2_147_483_647 ? delay : 1;
  };
  const global = globalThis as unknown as Record<'setTimeout' | 'setInterval', (...args: unknown[]) => unknown>;
  const fakeTimeout = global.setTimeout;
  const fakeInterval = global.setInterval;
  global.setTimeout = (callback, ms, ...args) => fakeTimeout(callback, nodeDelay(ms), ...args);
  global.setInterval = (callback, ms, ...args) => fakeInterval(callback, nodeDelay(ms), ...args);
  // The fake clock's uninstall recognises its own functions only: give them back first.
  return () => {
    global.setTimeout = fakeTimeout;
    global.setInterval = fakeInterval;
  };
}

let queue: Promise<void> = Promise.resolve();

/**
 * Runs `run` with virtual time starting at `origin` (ms since epoch). The clock is global, so
 * replays in one process take turns; it is removed when `run` settles, whatever happened.
 */
export function withVirtualClock<T>(origin: number, run: (clock: VirtualClock) => Promise<T>): Promise<T> {
  const result = queue.then(async () => {
    if ((Date as unknown as { isFake?: boolean }).isFake === true) {
      throw new Error('replay needs the real timers: fake timers are already installed (vi.useFakeTimers?)');
    }
    const requests = trackRequests();
    const clock = withGlobal(globalThis).install({ now: origin, toFake: [...FAKED] });
    const restoreFakes = actLikeNode();
    try {
      return await run(create(clock, origin, settler(requests)));
    } finally {
      restoreFakes();
      clock.uninstall();
      requests.stop();
    }
  });
  queue = result.then(
    () => undefined,
    () => undefined,
  );
  return result;
}
