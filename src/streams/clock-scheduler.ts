import { Subscription, type SchedulerAction, type SchedulerLike } from 'rxjs';
import type { Clock, TimerId } from '../domain/clock.js';

/**
 * An RxJS scheduler on a podwarden Clock, for `interval`, `timer` and `retry`'s delays: RxJS
 * takes its time from a scheduler, not from a clock object, so this is the idiomatic door.
 * Like RxJS's own async scheduler, an action that reschedules itself with the same delay (as
 * `interval` does) keeps one interval timer instead of setting a new one each time.
 */
export function clockScheduler(clock: Clock): SchedulerLike {
  return {
    now: () => clock.now(),
    schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay = 0, state?: T): Subscription {
      let timer: TimerId | undefined;
      let period: number | undefined;
      let pending = false;
      let current = state;
      const stop = () => {
        clock.clearInterval(timer);
        timer = undefined;
        period = undefined;
      };
      const action = new Subscription(stop) as SchedulerAction<T>;
      const arm = (ms: number) => {
        pending = true;
        if (timer !== undefined && period === ms) return;
        stop();
        period = ms;
        timer = clock.setInterval(() => {
          pending = false;
          try {
            work.call(action, current);
          } catch (error) {
            // As RxJS's own actions do: a failed action is over, and the error goes on up.
            action.unsubscribe();
            throw error;
          }
          // Not rescheduled by the work: done.
          if (!pending && !action.closed) stop();
        }, ms);
      };
      action.schedule = (next?: T, ms = 0) => {
        if (action.closed) return action;
        current = next;
        arm(ms);
        return action;
      };
      arm(delay);
      return action;
    },
  };
}
