import { LABELS } from '../domain/labels.js';
import { EngineError } from '../domain/engine-error.js';
import { type ContainerObservation } from '../domain/container-observation.js';

/**
 * A create that finds its name taken: by our own earlier create (a retry) it adopts that
 * container; by anyone else it refuses, saying whose it is. Shared by every EnginePort so
 * the rule and the message are the same on podman, Docker and the simulator.
 */
export function adoptOrRefuseName(
  action: string,
  spec: { name: string; labels: Record<string, string> },
  existing: Pick<ContainerObservation, 'id' | 'labels'>,
  cause?: unknown,
): { id: string } {
  const owner = spec.labels[LABELS.owner];
  if (owner !== undefined && existing.labels[LABELS.owner] === owner) return { id: existing.id };
  const holder = existing.labels[LABELS.owner];
  throw new EngineError(
    'name-conflict',
    `${action}: the name ${spec.name} is taken by container ${existing.id.slice(0, 12)}, which ` +
      (holder === undefined
        ? 'podwarden does not own (no owner label)'
        : `belongs to owner "${holder}", not "${owner ?? '(none)'}"`),
    cause,
  );
}
