import type { ContainerEvent, ContainerObservation } from '../src/domain/container-observation.js';

/**
 * The newest `kill` or `stop` event behind a look at the container (app-freshness.ts), with its
 * engine time. A death in the same run is no crash of the app's own making (`killed-outside`,
 * never a bad-config streak). podwarden's own stops never count: a look during a step is
 * dropped with its events, and a run started after a stop began after its kill.
 */
export interface OutsideKill {
  action: 'kill' | 'stop';
  /** Engine time (ms). */
  at: number;
  containerId: string;
}

/**
 * The outside kill or stop of `container`'s current run, if the engine reported one. Its event
 * was of the run then; a start since (`startedAt`, a start's
 * beginning by podwarden's clock, or the engine's ms rounded down) comes before any kill of the
 * new run and after every kill of the old one.
 */
export function killedBy(
  context: { outsideKill?: OutsideKill | undefined },
  container: Pick<ContainerObservation, 'id' | 'startedAt'>,
): 'kill' | 'stop' | undefined {
  const kill = context.outsideKill;
  if (!kill || kill.containerId !== container.id) return undefined;
  return kill.at >= (container.startedAt ?? 0) ? kill.action : undefined;
}

/** What an event behind a believed look says about who ended the container: a kill or stop is remembered. */
export function outsideKillAfter(
  context: { outsideKill?: OutsideKill | undefined },
  event: ContainerEvent,
): OutsideKill | undefined {
  return event.action === 'kill' || event.action === 'stop'
    ? { action: event.action, at: event.time, containerId: event.containerId }
    : context.outsideKill;
}
