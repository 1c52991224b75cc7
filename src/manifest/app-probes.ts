import type { AppProbes, ProbeSpec } from '../../machines/types.js';
import type { AppManifest, Healthcheck } from './schema.js';

/**
 * The probes podwarden runs for an app. Without a declared liveness probe, the manifest's
 * container healthcheck becomes one: podman would only record it, and never runs it on hosts
 * without systemd timers, so podwarden runs it with the same timing (retries = failureThreshold).
 * Undefined when the app has nothing to probe: running then means ready.
 */
export function appProbes(manifest: AppManifest): AppProbes | undefined {
  const declared = manifest.probes;
  const healthcheck = manifest.container.healthcheck;
  const liveness = declared?.liveness ?? (healthcheck ? healthcheckProbe(healthcheck) : undefined);
  // A probes section without probes still says what an image HEALTHCHECK's failure leads to.
  if (!declared && !liveness) return undefined;
  return {
    ...(declared?.startup ? { startup: declared.startup } : {}),
    ...(liveness ? { liveness } : {}),
    ...(declared?.readiness ? { readiness: declared.readiness } : {}),
    onLivenessFailure: declared?.onLivenessFailure ?? 'restart',
  };
}

export function healthcheckProbe(healthcheck: Healthcheck): ProbeSpec {
  const [form, ...rest] = healthcheck.test;
  return {
    check: { kind: 'exec', command: form === 'CMD-SHELL' ? ['/bin/sh', '-c', rest[0] ?? 'true'] : rest },
    intervalMs: healthcheck.intervalMs,
    timeoutMs: healthcheck.timeoutMs,
    failureThreshold: healthcheck.retries,
    successThreshold: 1,
    startPeriodMs: healthcheck.startPeriodMs,
  };
}
