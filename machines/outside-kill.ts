import type { ContainerEvent, ContainerObservation } from '../src/domain/container-observation.js';

/**
 * The newest `kill` or `stop` event of the container that the app machine applied, with its
 * engine time. Never podwarden's own: its stops and removals run as steps, and their events
 * arrive dated before the step's answer, so they are stale and dropped. A death in the same run
 * is then no crash of the app's own making (`killed-outside`, never a bad-config streak).
 */
export interface OutsideKill {
  action: 'kill' | 'stop';
  /** Engine time (ms). */
  at: number;
  containerId: string;
}

/**
 * The outside kill or stop of `container`'s current run, if the engine reported one. Its event
 * was of the run then (the machine applies only those); a start since (`startedAt`, a start's
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

/** What an applied event says about who ended the container: a kill or stop is remembered. */
export function outsideKillAfter(
  context: { outsideKill?: OutsideKill | undefined },
  event: ContainerEvent,
): OutsideKill | undefined {
  return event.action === 'kill' || event.action === 'stop'
    ? { action: event.action, at: event.time, containerId: event.containerId }
    : context.outsideKill;
}
