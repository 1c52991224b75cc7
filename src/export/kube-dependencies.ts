import type { AppManifest } from '../manifest/schema.js';
import type { ExportWarning } from './export-warning.js';
import type { KubeContainer } from './kube-objects.js';

/** Seconds between two looks at a dependency that does not answer yet. */
const RETRY_SECONDS = 2;

/**
 * `dependsOn` as kubelet can hold it: one init container per dependency that waits until the
 * dependency's Service answers on its first port (a Service sends traffic only to ready pods,
 * so "answers" means ready, as podwarden's rule says). A dependency without ports has a
 * Service-less pod: its wait can only see its name resolve, and the export says so.
 */
export function dependencyWaits(
  manifest: AppManifest,
  portOf: (appId: string) => number | 'no-ports' | 'unknown',
  helperImage: string,
): { initContainers: KubeContainer[]; warnings: ExportWarning[] } {
  const warnings: ExportWarning[] = [];
  const initContainers = manifest.dependsOn.map((dependency, i): KubeContainer => {
    const port = portOf(dependency);
    const field = `dependsOn[${i}]`;
    if (port === 'unknown') {
      warnings.push({
        app: manifest.id,
        field,
        message: `${dependency} is not in the catalog: ${manifest.id} waits until a Service named ${dependency} answers`,
      });
    } else if (port === 'no-ports') {
      warnings.push({
        app: manifest.id,
        field,
        message: `${dependency} publishes no port: ${manifest.id} waits only until the name ${dependency} resolves, not until it is ready`,
      });
    }
    const check =
      typeof port === 'number'
        ? `timeout 3 nc -w 2 "$1" "$2" </dev/null >/dev/null 2>&1`
        : `nslookup "$1" >/dev/null 2>&1`;
    return {
      name: `wait-${dependency}`,
      image: helperImage,
      command: [
        'sh',
        '-c',
        `until ${check}; do echo "waiting for $1"; sleep ${RETRY_SECONDS}; done`,
        'wait',
        dependency,
        ...(typeof port === 'number' ? [String(port)] : []),
      ],
    };
  });
  return { initContainers, warnings };
}
