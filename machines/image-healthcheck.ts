import type { EngineHealthcheck } from '../src/domain/container-observation.js';
import type { ProbeSpec } from './types.js';

/**
 * Docker's defaults for a HEALTHCHECK that leaves a field unset (podman uses the same): a
 * check every 30 s that may take 30 s, unhealthy after 3 failures, no start period.
 */
export const IMAGE_HEALTHCHECK_DEFAULTS = {
  intervalMs: 30_000,
  timeoutMs: 30_000,
  retries: 3,
  startPeriodMs: 0,
} as const;

/**
 * A container's health check (its image's HEALTHCHECK, as inspect reports it) as podwarden's
 * exec probe: CMD-SHELL runs through `/bin/sh -c` as the engine would, CMD as given; retries
 * become the failure threshold. Undefined for `NONE` (the image switched checks off) and for
 * a test podman would not run either.
 */
export function probeFromImageHealthcheck(healthcheck: EngineHealthcheck): ProbeSpec | undefined {
  const [form, ...rest] = healthcheck.test;
  const command =
    form === 'CMD-SHELL' && rest.length > 0
      ? ['/bin/sh', '-c', rest.join(' ')]
      : form === 'CMD' && rest.length > 0
        ? rest
        : undefined;
  if (command === undefined) return undefined;
  return {
    check: { kind: 'exec', command },
    intervalMs: healthcheck.intervalMs ?? IMAGE_HEALTHCHECK_DEFAULTS.intervalMs,
    timeoutMs: healthcheck.timeoutMs ?? IMAGE_HEALTHCHECK_DEFAULTS.timeoutMs,
    failureThreshold: healthcheck.retries ?? IMAGE_HEALTHCHECK_DEFAULTS.retries,
    successThreshold: 1,
    startPeriodMs: healthcheck.startPeriodMs ?? IMAGE_HEALTHCHECK_DEFAULTS.startPeriodMs,
    origin: 'image',
  };
}

/** How a probe's target reads in status and explain: an image's check says where it came from. */
export function describeExecTarget(probe: ProbeSpec, command: string[]): string {
  if (probe.origin !== 'image') return `exec ${command.join(' ')}`;
  const shell = command[0] === '/bin/sh' && command[1] === '-c' && command.length === 3;
  return `image HEALTHCHECK: ${shell ? command[2] : command.join(' ')}`;
}
