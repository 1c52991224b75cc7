import { fromCallback } from 'xstate';
import type { LookRequest, SupervisorEvent } from '../../machines/supervisor-context.js';
import type { ContainerEvent } from '../domain/container-observation.js';
import type { EnginePort } from '../engine/port.js';

/** What a look is owed: the events behind it and the time it may not be dated before. */
interface Owed {
  events: ContainerEvent[];
  after: number;
}

export interface LooksOptions {
  /** The clock a look is dated by: when the engine was asked. */
  now(): number;
  /** A look the engine did not answer: the next pass (or the event stream's resync) sees the container. */
  onError(error: unknown, key: string, containerId: string): void;
}

/**
 * The supervisor's looks actor: engine events are hints, so the container they name is
 * inspected, and what the engine says then (dated when it was asked) goes back to the
 * supervisor as ENGINE.LOOKED. One look per container at a time: requests that arrive while
 * one is under way are folded into one more look after it, so a burst of events (or podman
 * re-sending old ones when it rotates its events file) costs two inspects, not one each.
 */
export function looksActor(engine: Pick<EnginePort, 'inspect'>, options: LooksOptions) {
  return fromCallback<LookRequest>(({ sendBack, receive }) => {
    /** Containers being looked at → the requests that arrived since, folded (null: none, no second look owed). */
    const underWay = new Map<string, Owed | null>();
    let stopped = false;

    const look = (key: string, containerId: string, { events, after }: Owed): void => {
      const slot = `${key}\u0000${containerId}`;
      underWay.set(slot, null);
      // Asked after the machine knew the container as of `after`: never dated earlier, even by a clock stepped back.
      const observedAt = Math.max(options.now(), after);
      engine
        .inspect(containerId)
        .then(
          (container) => {
            if (stopped) return;
            const looked: SupervisorEvent = {
              type: 'ENGINE.LOOKED',
              key,
              look: { type: 'LOOKED', containerId, observedAt, container, events },
            };
            sendBack(looked);
          },
          (error: unknown) => options.onError(error, key, containerId),
        )
        .finally(() => {
          const owed = underWay.get(slot);
          underWay.delete(slot);
          if (!stopped && owed) look(key, containerId, owed);
        });
    };

    receive((request) => {
      const slot = `${request.key}\u0000${request.containerId}`;
      const after = request.after ?? 0;
      if (underWay.has(slot)) {
        const owed = underWay.get(slot);
        underWay.set(slot, {
          events: [...(owed?.events ?? []), ...request.events],
          after: Math.max(owed?.after ?? 0, after),
        });
        return;
      }
      look(request.key, request.containerId, { events: request.events, after });
    });
    return () => {
      stopped = true;
    };
  });
}
