import { Subject, type Observable } from 'rxjs';
import type { Transition } from '../../machines/announce.js';

export type { Transition } from '../../machines/announce.js';

/** An app's state as people see it: `running`, not `{ running: 'settling' }`. */
export function topLevelState(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') return Object.keys(value)[0] ?? 'unknown';
  return 'unknown';
}

/** The supervisor's notices, as far as transitions$ reads them. */
interface TransitionSource {
  on(type: 'transition', handler: (notice: { transition: Transition }) => void): unknown;
}

/**
 * transitions$: the state changes the app and companion machines announce themselves (they
 * emit one when their top-level state changes; the supervisor passes them on as `transition`
 * notices, timed by the clock its input gives). Fed by `follow(supervisor)`.
 */
export function createTransitionStream(): {
  follow: (supervisor: TransitionSource) => void;
  transitions$: Observable<Transition>;
  complete: () => void;
} {
  const subject = new Subject<Transition>();
  return {
    transitions$: subject.asObservable(),
    complete: () => subject.complete(),
    follow(supervisor) {
      supervisor.on('transition', ({ transition }) => subject.next(transition));
    },
  };
}
