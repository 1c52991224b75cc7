import { Subject, type Observable } from 'rxjs';
import type { AnyActorRef, InspectionEvent } from 'xstate';
import type { AppContext } from '../../machines/app.machine.js';
import { isCompanionKey, ownerOfKey } from '../../machines/binding.js';
import { failureFields, type FailureReason } from '../../machines/failure.js';

/** One real change of an app's state. A quiet pass produces none. */
export interface Transition {
  appId: string;
  /** Set when the machine is one of the app's companions. */
  companion?: string;
  /** null when the machine was just spawned. */
  from: string | null;
  to: string;
  reason: string;
  /** Consecutive failures at the time of the change. */
  failures: number;
  /** The last failure as a person reads it, while one is on record. */
  failure?: string;
  /** The same failure as data. */
  failureReason?: FailureReason;
  /** The app's `ready` flag after the change. */
  ready: boolean;
  at: number;
}

/** An app's state as people see it: `running`, not `{ running: 'settling' }`. */
export function topLevelState(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') return Object.keys(value)[0] ?? 'unknown';
  return 'unknown';
}

/**
 * Turns the actor system's inspection stream into transitions$: for each app machine, an
 * event only when its top-level state changes (re-entering the same state or a context
 * update is not a change).
 */
export function createTransitionTracker(): {
  inspect: (event: InspectionEvent) => void;
  transitions$: Observable<Transition>;
  complete: () => void;
} {
  const subject = new Subject<Transition>();
  const last = new Map<string, string>();
  return {
    transitions$: subject.asObservable(),
    complete: () => subject.complete(),
    inspect(event) {
      if (event.type !== '@xstate.snapshot') return;
      const actor = event.actorRef as AnyActorRef;
      const id = actor.id;
      if (!id.startsWith('app:') && !id.startsWith('companion:')) return;
      const snapshot = event.snapshot as { value?: unknown; context?: AppContext };
      if (!snapshot.context) return;
      const to = topLevelState(snapshot.value);
      const key = actor.sessionId;
      const from = last.get(key) ?? null;
      if (from === to) return;
      last.set(key, to);
      if (to === 'removed' || to === 'halted') last.delete(key);
      const childKey = snapshot.context.appId;
      subject.next({
        appId: ownerOfKey(childKey),
        ...(isCompanionKey(childKey) ? { companion: childKey.slice(ownerOfKey(childKey).length + 1) } : {}),
        from,
        to,
        reason: snapshot.context.reason,
        failures: snapshot.context.failures,
        ...failureFields(snapshot.context.failure),
        ready: snapshot.context.ready,
        at: Date.now(),
      });
    },
  };
}
