import { interval, take, timer } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { withVirtualClock } from '../../src/replay/virtual-clock.js';
import { clockScheduler } from '../../src/streams/clock-scheduler.js';

/** RxJS time on an injected clock: the replay's virtual one, moved by hand. */
describe('clockScheduler', () => {
  it('runs interval and timer on the clock it is given, and stops when unsubscribed', async () => {
    await withVirtualClock(1_000_000, async (clock) => {
      const scheduler = clockScheduler(clock);
      const ticks: number[] = [];
      const subscription = interval(100, scheduler).subscribe(() => ticks.push(clock.offset()));
      const once: number[] = [];
      timer(250, scheduler).subscribe(() => once.push(clock.offset()));
      await clock.advanceTo(350);
      expect(ticks).toEqual([100, 200, 300]);
      expect(once).toEqual([250]);
      subscription.unsubscribe();
      await clock.advanceTo(1_000);
      expect(ticks).toEqual([100, 200, 300]);
      expect(scheduler.now()).toBe(1_001_000);
    });
  });

  it('takes a zero delay as Node does (after 1 ms), and reschedules with a new delay', async () => {
    await withVirtualClock(0, async (clock) => {
      const scheduler = clockScheduler(clock);
      const seen: number[] = [];
      timer(0, scheduler).subscribe(() => seen.push(clock.offset()));
      timer(10, 50, scheduler)
        .pipe(take(3))
        .subscribe(() => seen.push(clock.offset()));
      await clock.advanceTo(200);
      expect(seen).toEqual([1, 10, 60, 110]);
    });
  });
});

describe('the virtual clock', () => {
  it('fires timers due at one instant in the order they were set, an interval keeping its place', async () => {
    await withVirtualClock(0, async (clock) => {
      const order: string[] = [];
      const every = clock.setInterval(() => order.push(`interval@${clock.offset()}`), 10);
      clock.setTimeout(() => order.push(`a@${clock.offset()}`), 20);
      const cleared = clock.setTimeout(() => order.push('cleared'), 20);
      clock.clearTimeout(cleared);
      clock.clearTimeout(undefined);
      await clock.advanceTo(20);
      clock.clearInterval(every);
      await clock.advanceTo(100);
      expect(order).toEqual(['interval@10', 'interval@20', 'a@20']);
      expect(clock.now()).toBe(100);
    });
  });
});
