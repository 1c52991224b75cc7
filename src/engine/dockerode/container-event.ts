/** One raw event of the engine's event stream → the port's ContainerEvent. Pure. */
import { systemClock } from '../../domain/clock.js';
import type { ContainerAction, ContainerEvent } from '../../domain/container-observation.js';
import { normalizeHealth } from './container-observation.js';
import { num, record, str, stringMap, type Json } from './raw-json.js';

/** Engine action words → the port's. libpod spells some differently from Docker. */
const ACTIONS: Readonly<Record<string, ContainerAction>> = {
  create: 'create',
  start: 'start',
  die: 'die',
  died: 'die',
  kill: 'kill',
  stop: 'stop',
  pause: 'pause',
  unpause: 'unpause',
  restart: 'restart',
  remove: 'remove',
  destroy: 'remove',
  health_status: 'health',
  oom: 'oom',
};

/**
 * One event of `GET /events` → ContainerEvent, or null for events podwarden does not act on
 * (init, cleanup, exec, exec_died, attach, mount, checkpoint, ... and non-container events).
 *
 * Labels: podman puts every container label into `Actor.Attributes`, next to its own keys
 * (`name`, `image`, `podId`, `exitCode`, `containerExitCode`, `health_status`). They are all
 * passed on as labels: they cannot be told apart from labels, and podwarden only ever reads
 * its own `io.podwarden.*` keys.
 *
 * Health: Docker sends the action `health_status: healthy` (status in the action word);
 * podman 4.3 sends action `health_status` with a top-level `HealthStatus` field, which holds
 * the status from BEFORE the check that triggered the event (podman issue #19237): treat it as
 * a hint to inspect, not as the truth. Later podman versions may use
 * `Attributes.health_status`. When none of these is present `health` is left out.
 *
 * Exit code: only on `die`, from `Attributes.exitCode` (podman also sends `containerExitCode`,
 * which is "0" on every other event: it is ignored there).
 */
export function containerEventFromRaw(raw: unknown): ContainerEvent | null {
  const body = record(raw);
  if (!body) return null;
  const type = str(body.Type) ?? str(body.type) ?? 'container';
  if (type !== 'container') return null;
  const rawAction = str(body.Action) ?? str(body.status) ?? '';
  const [actionWord = '', actionDetail] = rawAction.split(/:\s*/, 2);
  const action = ACTIONS[actionWord.trim().toLowerCase()];
  if (!action) return null;
  const actor = record(body.Actor) ?? {};
  const attributes = stringMap(actor.Attributes);
  const containerId = str(actor.ID) ?? str(body.id) ?? '';
  if (containerId === '') return null;
  const event: ContainerEvent = {
    kind: 'container',
    action,
    containerId,
    labels: attributes,
    time: eventTime(body),
  };
  if (action === 'die') {
    const exitCode = num(attributes.exitCode) ?? num(attributes.containerExitCode);
    if (exitCode !== undefined) event.exitCode = exitCode;
  }
  if (action === 'health') {
    const reported = attributes.health_status ?? str(body.HealthStatus) ?? actionDetail;
    if (reported !== undefined && reported.trim() !== '') event.health = normalizeHealth(reported.trim());
  }
  return event;
}

function eventTime(body: Json): number {
  const nanos = num(body.timeNano);
  if (nanos !== undefined && nanos > 0) return Math.floor(nanos / 1e6);
  const seconds = num(body.time);
  if (seconds !== undefined && seconds > 0) return seconds * 1000;
  // An undated event (never seen from podman 4.3 or Docker): the adapter's wall clock is all there is.
  return systemClock.now();
}
