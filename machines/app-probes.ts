import { fromCallback, type EventObject } from 'xstate';
import { containerId, probeOf, type AppContext } from './app-knowledge.js';
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

/** The input of the `role` probe's actor: the probe podwarden runs for it now, and the container. */
export function probeInput(role: ProbeRole) {
  return ({ context }: { context: AppContext }): ProbeInput => ({
    role,
    probe: probeOf(context, role),
    spec: context.spec,
    containerId: containerId(context),
  });
}
