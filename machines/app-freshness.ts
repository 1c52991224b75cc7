import type { AppContext } from './app-knowledge.js';
import type { AppEvent, Looked } from './types.js';
import { outsideKillAfter, type OutsideKill } from './outside-kill.js';

// The one freshness rule of an app machine. What it believes of its container is known as of
// one time, `knownAsOf`: when the engine was asked for the newest observation it believed, or
// when its own last step answered, whichever is later. An observation (a pass's list, a look
// at the container) is believed only if the engine was asked at or after that time; otherwise
// something newer is already known. Engine events are never applied as state: they are hints
// to look at the container again (the supervisor's looks actor inspects it), because podman
// delivers them 100-300 ms late, repeats old ones when it rotates its events file, and may
// lose some, while a look says what is true when it was asked. Pure functions.

/**
 * The engine was asked at or after everything the machine knows. `observedAt` is stamped
 * when the call goes out, so it is never later than the engine's look. A tie is believed:
 * nothing the machine knows can be newer than a look that began at the same instant.
 */
function isFresh(context: Pick<AppContext, 'knownAsOf'>, observedAt: number): boolean {
  return observedAt >= context.knownAsOf;
}

/** A look at the container the machine knows (a look at an earlier container of the app tells nothing about it). */
function isOwnLook(context: Pick<AppContext, 'container'>, event: AppEvent): event is Looked {
  return event.type === 'LOOKED' && context.container?.id === event.containerId;
}

/** An observation, pass or look, that the machine believes. */
export function isBelieved(context: Pick<AppContext, 'container' | 'knownAsOf'>, event: AppEvent): boolean {
  if (event.type === 'OBSERVED') return isFresh(context, event.observedAt);
  return isOwnLook(context, event) && isFresh(context, event.observedAt);
}

/**
 * A look at its own container that came too late to be believed (a step answered after the
 * engine was asked): what the events behind it said may have happened after that step, so the
 * machine asks for another look.
 */
export function isStaleOwnLook(context: Pick<AppContext, 'container' | 'knownAsOf'>, event: AppEvent): boolean {
  return isOwnLook(context, event) && !isFresh(context, event.observedAt);
}

/**
 * Who ended the container, from the events behind a look at it, believed or not (podman sends
 * `kill` when it signals, so a look asked between the signal and the death still shows the
 * container running and dates what is known after the kill). A kill from before the run the
 * machine knows is not taken: podwarden's own stop before a restart, or a replayed old event.
 */
export function outsideKillFrom(
  context: Pick<AppContext, 'outsideKill' | 'container'>,
  look: Looked,
): OutsideKill | undefined {
  const runBegan = context.container?.startedAt ?? 0;
  let kill = context.outsideKill;
  for (const event of look.events) {
    if (event.time >= runBegan) kill = outsideKillAfter({ outsideKill: kill }, event);
  }
  return kill;
}
