import { interval, map, startWith, type Observable, type SchedulerLike } from 'rxjs';

/**
 * The reconcile tick: one the moment it is subscribed, then one every `intervalMs`. The
 * supervisor subscribes only once its recovery gate is open, so the first pass follows the
 * gate without delay.
 */
export function tick$(intervalMs: number, scheduler?: SchedulerLike): Observable<{ type: 'TICK' }> {
  return interval(intervalMs, scheduler).pipe(
    startWith(-1),
    map(() => ({ type: 'TICK' as const })),
  );
}
