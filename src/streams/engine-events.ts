import { defer, map, retry, timer, type Observable, type SchedulerLike } from 'rxjs';
import type { SupervisorEvent } from '../../machines/supervisor.machine.js';
import type { EnginePort } from '../engine/port.js';

export interface EngineEventStreamOptions {
  /** First wait before reconnecting; doubles up to `maxRetryMs`. */
  retryMs?: number;
  maxRetryMs?: number;
  onDisconnect?: (error: unknown, attempt: number) => void;
  /** Where the backoff waits; default RxJS's async scheduler (the wall clock). */
  scheduler?: SchedulerLike;
}

/**
 * The engine's container events as supervisor events. When the connection drops (engine
 * restart, socket gone) it reconnects with backoff, and the first `connected` after a drop
 * is flagged `reconnect` so the supervisor runs a full pass for whatever it missed.
 */
export function engineEvents$(
  engine: EnginePort,
  labels: Record<string, string>,
  options: EngineEventStreamOptions = {},
): Observable<SupervisorEvent> {
  const retryMs = options.retryMs ?? 500;
  const maxRetryMs = options.maxRetryMs ?? 5_000;
  let connections = 0;
  return defer(() => engine.events(labels)).pipe(
    map((event): SupervisorEvent => {
      if (event.kind === 'connected') {
        connections += 1;
        return { type: 'ENGINE.CONNECTED', reconnect: connections > 1 };
      }
      return { type: 'ENGINE.CONTAINER', event };
    }),
    retry({
      resetOnSuccess: true,
      delay: (error, attempt) => {
        options.onDisconnect?.(error, attempt);
        return timer(Math.min(maxRetryMs, retryMs * 2 ** (attempt - 1)), options.scheduler);
      },
    }),
  );
}
