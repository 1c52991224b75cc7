import type { ActorRefLike, InspectionEvent } from 'xstate';

export type InspectionFilter = (event: InspectionEvent) => boolean;

/** The reconcile tick: one per interval, it would bury everything else in the inspector. */
export const NOISY_EVENT_TYPES: ReadonlySet<string> = new Set(['TICK']);

function valueOf(snapshot: unknown): string {
  const value = (snapshot as { value?: unknown; status?: unknown } | undefined) ?? {};
  return JSON.stringify([value.value, value.status]);
}

/**
 * The default filter of the live inspector. It drops:
 * - `@xstate.event` for TICK (the supervisor's reconcile tick);
 * - `@xstate.snapshot` caused by TICK that leaves the state value where it was (a TICK during a
 *   pass only queues the next one); a TICK that starts a pass is kept;
 * - `@xstate.snapshot` identical to the actor's previous one (xstate reports a snapshot after
 *   every event, also when nothing was enabled);
 * - `@xstate.microstep` and `@xstate.action`, which the Stately inspector does not show.
 * Actor registrations (`@xstate.actor`) always pass. It keeps per-actor state: one per inspector.
 */
export function createDefaultInspectionFilter(): InspectionFilter {
  const previous = new WeakMap<ActorRefLike, unknown>();
  return (event) => {
    switch (event.type) {
      case '@xstate.actor':
        return true;
      case '@xstate.event':
        return !NOISY_EVENT_TYPES.has(event.event.type);
      case '@xstate.snapshot': {
        const before = previous.get(event.actorRef);
        previous.set(event.actorRef, event.snapshot);
        if (before === event.snapshot) return false;
        if (NOISY_EVENT_TYPES.has(event.event.type) && before !== undefined) {
          return valueOf(before) !== valueOf(event.snapshot);
        }
        return true;
      }
      default:
        return false;
    }
  };
}
