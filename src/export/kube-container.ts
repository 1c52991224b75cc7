import type { AppProbes } from '../../machines/types.js';
import type { AppContainer } from '../manifest/schema.js';
import type { ExportWarning } from './export-warning.js';
import type { KubeContainer } from './kube-objects.js';
import { kubeProbe } from './kube-probe.js';
import { byteQuantity, cpuQuantity } from './kube-quantities.js';
import type { PodVolumes } from './kube-volumes.js';
import type { ExportTarget } from './export-target.js';

export interface ContainerExportOptions {
  /** Publish `ports` on the node as the manifest does (hostPort, hostIP); false leaves that to the Service. */
  hostPorts: boolean;
  target: ExportTarget;
}

const PULL_POLICIES = { always: 'Always', 'if-not-present': 'IfNotPresent', never: 'Never' } as const;

/**
 * One container of the pod, field by field. `prefix` is where the container sits in the
 * manifest (`container` or `companions[0].container`), so each warning names the field.
 * Docker's entrypoint is Kubernetes' `command`, Docker's command its `args`.
 */
export function kubeContainer(
  app: string,
  name: string,
  container: AppContainer,
  probes: AppProbes | undefined,
  prefix: string,
  volumes: PodVolumes,
  options: ContainerExportOptions,
): { container: KubeContainer; warnings: ExportWarning[] } {
  const warnings: ExportWarning[] = [];
  const warn = (field: string, message: string) => warnings.push({ app, field: `${prefix}.${field}`, message });
  if (container.build) {
    warn(
      'build',
      `the image is built on the host by podwarden: push ${container.image} to a registry the cluster pulls from`,
    );
  }
  const env = Object.entries(container.env).map(([key, value]) => ({ name: key, value }));
  const ports = container.ports.map((port) => ({
    containerPort: port.containerPort,
    protocol: port.protocol === 'udp' ? ('UDP' as const) : ('TCP' as const),
    ...(options.hostPorts ? { hostPort: port.hostPort, ...(port.hostIp ? { hostIP: port.hostIp } : {}) } : {}),
  }));
  const limits: Record<string, string> = {};
  if (container.resources?.memoryBytes !== undefined) limits.memory = byteQuantity(container.resources.memoryBytes);
  if (container.resources?.cpus !== undefined) limits.cpu = cpuQuantity(container.resources.cpus);
  const security = securityContext(container, (field, message) => warn(field, message));
  const mounts = [
    ...container.volumes.map((volume, i) => volumes.mount(volume, `${prefix}.volumes[${i}]`)),
    ...container.tmpfs.map((target) => volumes.tmpfs(target)),
  ];
  const probeFields: Pick<KubeContainer, 'startupProbe' | 'livenessProbe' | 'readinessProbe'> = {};
  for (const role of ['startup', 'liveness', 'readiness'] as const) {
    const probe = probes?.[role];
    if (!probe) continue;
    const field = prefix === 'container' ? `probes.${role}` : `${prefix}.healthcheck`;
    const mapped = kubeProbe(probe, role, field, app, options.target);
    probeFields[`${role}Probe`] = mapped.probe;
    warnings.push(...mapped.warnings);
  }
  return {
    container: {
      name,
      image: container.image,
      imagePullPolicy: PULL_POLICIES[container.pullPolicy],
      ...(container.entrypoint ? { command: [...container.entrypoint] } : {}),
      ...(container.command ? { args: [...container.command] } : {}),
      ...(env.length > 0 ? { env } : {}),
      ...(ports.length > 0 ? { ports } : {}),
      // Requests equal to limits: the scheduler reserves what podman would have capped it at.
      ...(Object.keys(limits).length > 0 ? { resources: { requests: { ...limits }, limits } } : {}),
      ...(security ? { securityContext: security } : {}),
      ...probeFields,
      ...(mounts.length > 0 ? { volumeMounts: mounts } : {}),
    },
    warnings,
  };
}

/** `user` (numeric only: Kubernetes has no user names) and `capAdd`. */
function securityContext(
  container: AppContainer,
  warn: (field: string, message: string) => void,
): KubeContainer['securityContext'] | undefined {
  const context: NonNullable<KubeContainer['securityContext']> = {};
  if (container.user !== undefined) {
    const [user, group] = container.user.split(':');
    if (/^\d+$/.test(user ?? '') && (group === undefined || /^\d+$/.test(group))) {
      context.runAsUser = Number(user);
      if (group !== undefined) context.runAsGroup = Number(group);
    } else {
      warn('user', `"${container.user}" is a name: Kubernetes takes numeric ids only (runAsUser), so it is left out`);
    }
  }
  if (container.capAdd.length > 0) context.capabilities = { add: [...container.capAdd] };
  return Object.keys(context).length > 0 ? context : undefined;
}
