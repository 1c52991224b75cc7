import { fromCallback, type EventObject } from 'xstate';
import type { AppSpec, ProbeSpec } from './types.js';
import type { ProbeRole } from './failure.js';

/** What a probe actor gets: the probe to run and the container. Only declared probes (or the image's check) get an actor. */
export interface ProbeInput {
  role: ProbeRole;
  probe: ProbeSpec | undefined;
  spec: AppSpec;
  containerId: string;
}

/**
 * The probe actor the app machine invokes for each role while the container runs. A
 * placeholder like the step effects: src/effects/probes provides the real one, which runs the
 * probe every interval and sends PROBE_RESULT events back.
 */
export const probeRunner = fromCallback<EventObject, ProbeInput>(() => {
  throw new Error('effect runProbe was not provided');
});

/** A stable number from a string (FNV-1a): the default jitter seed of an app, so apps spread apart. */
export function seedOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
