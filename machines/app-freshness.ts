import type { ContainerEvent } from '../src/domain/container-observation.js';
import type { AppContext } from './app-knowledge.js';

// What is news to an app machine: whether an engine event or a pass observation tells it
// something it does not know yet, and up to which engine time it knows its container. Pure
// functions over the machine's context.

/**
 * Podman re-sends a batch of old events when it rotates its events file; an event from
 * before the container's current run says nothing about it now (at boot, before anything is
 * dated, this is the only check). Event times have nanosecond precision; the slack only
 * absorbs rounding to milliseconds.
 */
const EVENT_CLOCK_SLACK_MS = 5;

export function isOwnFreshEvent(context: AppContext, event: ContainerEvent): boolean {
  const container = context.container;
  if (!container || event.containerId !== container.id) return false;
  if (isStaleEvent(context, event)) return false;
  return event.time + EVENT_CLOCK_SLACK_MS >= (container.startedAt ?? 0);
}

/**
 * The engine time up to which the machine knows its container: its last step's answer (a
 * start's: when it began), the newest event it applied, and when the engine was asked for the
 * last pass it accepted.
 */
export function knownUpTo(context: AppContext): number {
  return Math.max(context.stepSettledAt, context.lastEventAt, context.lastObservedAt);
}

/**
 * An event older than what the machine already knows tells nothing new: podman delivers events
 * 100-300 ms late, so a pass or a step answer has often seen their effect (and whatever came
 * after) already; applying them would turn a dead container back to running. Event times are
 * `timeNano` rounded down to ms, so `time < knownUpTo` means the event surely happened before
 * that instant. A tie is applied: it may have happened after the look, and every event after
 * it is dated at the tie or later, so it is applied too and the machine ends where the engine
 * is (dropping a tie could lose the one event that says the container died). Same-millisecond
 * events (die, restart, start) all count. This also covers the die podwarden already knows of
 * (`exitSeenAt` is never later than `knownUpTo`).
 */
export function isStaleEvent(context: AppContext, event: ContainerEvent): boolean {
  return event.time < knownUpTo(context);
}

/**
 * A pass observation tells something new only if the engine looked at or after everything the
 * machine already knows: its last step's answer and the newest event it applied. `observedAt`
 * is stamped when the list call goes out, so it is never later than the engine's look.
 */
export function isFreshObservation(context: AppContext, observedAt: number): boolean {
  return observedAt >= Math.max(context.lastStepAt, context.lastEventAt);
}

/** Event actions that change what is known of the container (see `applyEvent` in app-knowledge.ts); the others date nothing. */
const KNOWLEDGE_ACTIONS: ReadonlySet<ContainerEvent['action']> = new Set([
  'die',
  'start',
  'restart',
  'unpause',
  'pause',
  'remove',
  'health',
  'oom',
]);

/** The newest engine time of the events that changed what is known of the container, this one included. */
export function lastEventAfter(context: AppContext, event: ContainerEvent): number {
  return KNOWLEDGE_ACTIONS.has(event.action) ? Math.max(context.lastEventAt, event.time) : context.lastEventAt;
}
