import { map, timer, type Observable, type SchedulerLike } from 'rxjs';

/**
 * The reconcile tick: one at once, then one every `intervalMs`. The supervisor subscribes
 * only once its recovery gate is open, so the first pass follows the gate without delay.
 */
export function tick$(intervalMs: number, scheduler?: SchedulerLike): Observable<{ type: 'TICK' }> {
  return timer(0, intervalMs, scheduler).pipe(map(() => ({ type: 'TICK' as const })));
}
