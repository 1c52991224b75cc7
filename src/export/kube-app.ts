import { appProbes, healthcheckProbe } from '../manifest/app-probes.js';
import { DEFAULT_STOP_TIMEOUT_SECONDS } from '../manifest/container-spec.js';
import type { AppContainer, AppManifest } from '../manifest/schema.js';
import type { ExportTarget } from './export-target.js';
import type { ExportWarning } from './export-warning.js';
import { kubeContainer } from './kube-container.js';
import { dependencyWaits } from './kube-dependencies.js';
import { exportFiles } from './kube-files.js';
import { appLabels, FILES_CHECKSUM_ANNOTATION, selectorLabels } from './kube-labels.js';
import type { KubeContainer, KubeDocument, KubePodSpec, KubeService } from './kube-objects.js';
import { subPathDirs } from './kube-subpath-dirs.js';
import { DEFAULT_CLAIM_BYTES, PodVolumes } from './kube-volumes.js';

export interface AppExportOptions {
  /** A bare Pod instead of a Deployment. */
  pods: boolean;
  target: ExportTarget;
  hostPorts: boolean;
  includeSecrets: boolean;
  values?: Readonly<Record<string, string>>;
  appDataDir: string;
  helperImage: string;
  extraLabels: Readonly<Record<string, string>>;
  /** A dependency's first port (its Service's), for the wait that holds a dependent. */
  portOf: (appId: string) => number | 'no-ports' | 'unknown';
}

export interface AppExport {
  documents: KubeDocument[];
  warnings: ExportWarning[];
  secretCommand?: string;
}

/**
 * One app as Kubernetes objects: its claims, its rendered files' Secret/ConfigMap, a Service
 * for its ports, and a Deployment (one replica, `Recreate`: the app owns its data, two copies
 * must never run on it at once) or a bare Pod. Companions are more containers of the app's pod,
 * not sidecars: a sidecar starts before the app (podwarden starts a companion after), podman
 * 4.3 cannot run one, and a Deployment of their own could not share the app's data claim.
 */
export async function exportApp(manifest: AppManifest, options: AppExportOptions): Promise<AppExport> {
  const app = manifest.id;
  const labels = appLabels(app, manifest.version, options.extraLabels);
  const volumes = new PodVolumes(app, manifest.requirements?.diskBytes ?? DEFAULT_CLAIM_BYTES, labels);
  const warnings: ExportWarning[] = [];
  const warn = (field: string, message: string) => warnings.push({ app, field, message });

  const probes = appProbes(manifest);
  if (probes?.onLivenessFailure === 'recreate')
    warn(
      'probes.onLivenessFailure',
      'kubelet restarts the container on a failed liveness probe; it never recreates it',
    );
  if (!probes?.liveness && manifest.probes?.imageHealthcheck !== false)
    warn(
      'probes.imageHealthcheck',
      "the image's own HEALTHCHECK, if it has one, is not run by Kubernetes: declare it as probes.liveness to keep it",
    );
  const containers: KubeContainer[] = [];
  const add = (mapped: { container: KubeContainer; warnings: ExportWarning[] }) => {
    containers.push(mapped.container);
    warnings.push(...mapped.warnings);
  };
  add(kubeContainer(app, app, manifest.container, probes, 'container', volumes, options));
  manifest.companions.forEach((companion, i) => {
    const healthcheck = companion.container.healthcheck;
    const companionProbes = healthcheck
      ? { liveness: healthcheckProbe(healthcheck), onLivenessFailure: 'restart' as const }
      : undefined;
    const name = companion.id === app ? `${companion.id}-companion` : companion.id;
    add(kubeContainer(app, name, companion.container, companionProbes, `companions[${i}].container`, volumes, options));
  });
  const allContainers: AppContainer[] = [manifest.container, ...manifest.companions.map((c) => c.container)];
  allContainers.forEach((container, i) => {
    if (container.network !== undefined && container.network !== 'host') {
      const field = i === 0 ? 'container.network' : `companions[${i - 1}].container.network`;
      warn(field, `network "${container.network}" has no equivalent: a pod joins the cluster's one pod network`);
    }
  });

  const initContainers: KubeContainer[] = [];
  const documents: KubeDocument[] = [];
  let checksum: string | undefined;
  let secretCommand: string | undefined;
  if (options.target === 'kubernetes') {
    // First: a fresh claim must have the subPath directories before anything mounts them.
    const dirs = subPathDirs(containers, options.helperImage);
    if (dirs) initContainers.push(dirs);
    const waits = dependencyWaits(manifest, options.portOf, options.helperImage);
    initContainers.push(...waits.initContainers);
    warnings.push(...waits.warnings);
    const files = await exportFiles(manifest, volumes, { ...options, labels });
    documents.push(...files.documents);
    if (files.initContainer) initContainers.push(files.initContainer);
    warnings.push(...files.warnings);
    checksum = files.checksum;
    secretCommand = files.secretCommand;
  } else {
    // podman 4.3's kube play starts the next container before an init container has exited,
    // then fails removing it: nothing here may rely on one.
    manifest.dependsOn.forEach((dependency, i) =>
      warn(
        `dependsOn[${i}]`,
        `${dependency} comes first in the file, but nothing holds ${app} until it is ready (podman cannot run init containers reliably)`,
      ),
    );
    const files = [
      ...(manifest.files ?? []).map((file, i) => ({ file, field: `files[${i}]` })),
      ...manifest.companions.flatMap((c, ci) =>
        (c.files ?? []).map((file, i) => ({ file, field: `companions[${ci}].files[${i}]` })),
      ),
    ];
    for (const { file, field } of files)
      warn(
        field,
        `${file.path} is left out for podman: podman kube play can neither copy it into the data volume (init container) nor mount one file into a mounted directory (subPath)`,
      );
  }

  const podSpec: KubePodSpec = {
    ...(manifest.container.network === 'host' ? { hostNetwork: true } : {}),
    terminationGracePeriodSeconds: Math.max(...allContainers.map(stopSeconds)),
    ...(initContainers.length > 0 ? { initContainers } : {}),
    containers,
    ...(volumes.list().length > 0 ? { volumes: volumes.list() } : {}),
  };
  warnings.push(...volumes.warnings);
  const podMeta = { labels, ...(checksum ? { annotations: { [FILES_CHECKSUM_ANNOTATION]: checksum } } : {}) };
  const service = serviceFor(app, containers, labels);
  documents.unshift(...volumes.claims());
  if (service) documents.push(service);
  documents.push(
    options.pods
      ? {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: app, ...podMeta },
          spec: { restartPolicy: 'Always', ...podSpec },
        }
      : {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: app, labels },
          spec: {
            replicas: 1,
            strategy: { type: 'Recreate' },
            selector: { matchLabels: selectorLabels(app) },
            template: { metadata: podMeta, spec: podSpec },
          },
        },
  );
  return { documents, warnings, ...(secretCommand ? { secretCommand } : {}) };
}

function stopSeconds(container: AppContainer): number {
  return container.stopTimeoutMs !== undefined
    ? Math.ceil(container.stopTimeoutMs / 1000)
    : DEFAULT_STOP_TIMEOUT_SECONDS;
}

/** A Service named as the app (so `bitcoind:38332` in a config finds it) for every port of its pod. */
function serviceFor(app: string, containers: KubeContainer[], labels: Record<string, string>): KubeService | undefined {
  const ports: KubeService['spec']['ports'] = [];
  for (const port of containers.flatMap((container) => container.ports ?? [])) {
    if (ports.some((p) => p.port === port.containerPort && p.protocol === port.protocol)) continue;
    ports.push({
      name: `${port.protocol.toLowerCase()}-${port.containerPort}`,
      port: port.containerPort,
      targetPort: port.containerPort,
      protocol: port.protocol,
    });
  }
  if (ports.length === 0) return undefined;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: app, labels },
    spec: { selector: selectorLabels(app), ports },
  };
}
