import type { ProbeSpec } from '../../machines/types.js';
import type { ExportWarning } from './export-warning.js';
import type { KubeProbe } from './kube-objects.js';
import { wholeSeconds } from './kube-quantities.js';
import type { ExportTarget } from './export-target.js';

export type ProbeRole = 'startup' | 'liveness' | 'readiness';

/**
 * One podwarden probe as kubelet's: the same check, period, timeout and thresholds; the start
 * period (failures that do not count yet) becomes `initialDelaySeconds` (no probing yet), the
 * nearest kubelet has. What kubelet cannot say is warned about, naming the field.
 */
export function kubeProbe(
  probe: ProbeSpec,
  role: ProbeRole,
  field: string,
  app: string,
  target: ExportTarget = 'kubernetes',
): {
  probe: KubeProbe;
  warnings: ExportWarning[];
} {
  const warnings: ExportWarning[] = [];
  const warn = (message: string) => warnings.push({ app, field, message });
  const seconds = (what: string, ms: number, minimum = 1) => {
    const { seconds, exact } = wholeSeconds(ms, minimum);
    if (!exact)
      warn(`${what} ${ms} ms is written as ${seconds} s (Kubernetes counts whole seconds, at least ${minimum})`);
    return seconds;
  };
  const { check } = probe;
  const action: Pick<KubeProbe, 'exec' | 'httpGet' | 'tcpSocket'> =
    check.kind === 'http'
      ? { httpGet: { path: check.path, port: check.port } }
      : check.kind === 'tcp'
        ? { tcpSocket: { port: check.port } }
        : { exec: { command: target === 'podman' ? podmanExec(check.command) : [...check.command] } };
  if (check.kind === 'http' && check.expectStatus !== undefined) {
    warn(`expectStatus ${check.expectStatus} cannot be expressed: kubelet accepts any status from 200 to 399`);
  }
  let successThreshold = probe.successThreshold;
  if (role !== 'readiness' && successThreshold !== 1) {
    warn(`successThreshold ${successThreshold} is written as 1 (Kubernetes requires 1 for ${role} probes)`);
    successThreshold = 1;
  }
  const initialDelay = probe.startPeriodMs > 0 ? seconds('startPeriod', probe.startPeriodMs, 0) : 0;
  return {
    probe: {
      ...action,
      ...(initialDelay > 0 ? { initialDelaySeconds: initialDelay } : {}),
      periodSeconds: seconds('interval', probe.intervalMs),
      timeoutSeconds: seconds('timeout', probe.timeoutMs),
      failureThreshold: probe.failureThreshold,
      successThreshold,
    },
    warnings,
  };
}

/**
 * podman's kube play (4.3) turns an exec probe into a shell health check by joining the command
 * with spaces and splitting it again, so `[sh, -c, "a || b"]` runs `sh -c a`. Written as the
 * shell line alone, the check it makes is the one meant.
 */
function podmanExec(command: readonly string[]): string[] {
  const [program, flag, script, ...rest] = command;
  const shell = program === 'sh' || program === '/bin/sh';
  return shell && flag === '-c' && script !== undefined && rest.length === 0 ? [script] : [...command];
}
