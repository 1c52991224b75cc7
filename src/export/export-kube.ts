import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import type { AppManifest } from '../manifest/schema.js';
import { parseValuesFile } from '../render/values-file.js';
import type { ExportWarning } from './export-warning.js';
import type { ExportTarget } from './export-target.js';
import { exportApp } from './kube-app.js';
import type { KubeDocument } from './kube-objects.js';
import { ordinal } from '../domain/row-order.js';

export interface KubeExportOptions {
  /** The apps to export (default: all of `entries`); their dependencies are not added. */
  apps?: readonly string[];
  /** Bare Pods instead of Deployments (what `podman kube play` handles best). */
  pods?: boolean;
  /** `podman`: only what `podman kube play` 4.3 runs (no init containers); default `kubernetes`. */
  target?: ExportTarget;
  /** Publish the manifests' ports on the node (hostPort/hostIP), as podwarden does on its host. Default true. */
  hostPorts?: boolean;
  /** Write the values files' secrets into the Secrets; default false: placeholders and a command. */
  includeSecrets?: boolean;
  /** podwarden's secrets directory (values files), read only with `includeSecrets`. */
  secretsDir?: string;
  /** podwarden's apps' data directories (one per app id): where the fill-in commands read rendered files. */
  dataDir?: string;
  /** The image of the small init containers (subPath folders, waits, file copies): needs sh, mkdir, nc, cp. */
  helperImage?: string;
  /** More labels on every object (e.g. to find a test's objects again). */
  labels?: Readonly<Record<string, string>>;
}

export interface KubeExport {
  documents: KubeDocument[];
  warnings: ExportWarning[];
  /** `kubectl create secret` commands that fill the placeholders (none with `includeSecrets`). */
  secretCommands: string[];
}

export class KubeExportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KubeExportError';
  }
}

export const DEFAULT_HELPER_IMAGE = 'docker.io/library/busybox:1.36';

/**
 * The catalog's apps as Kubernetes YAML documents, dependencies first (so `podman kube play`,
 * which starts pods in file order, starts a dependency before its dependent). Whatever cannot
 * be expressed is a warning naming the app and the manifest field, never dropped silently.
 *
 * @example
 * const catalog = await loadCatalog('examples/catalog');
 * const { documents, warnings } = await exportKube([...catalog.apps.values()].map((e) => e.manifest), { pods: true });
 * process.stdout.write(kubeYaml(documents));
 */
export async function exportKube(
  manifests: readonly AppManifest[],
  options: KubeExportOptions = {},
): Promise<KubeExport> {
  const byId = new Map(manifests.map((manifest) => [manifest.id, manifest]));
  const chosen = options.apps ?? [...byId.keys()];
  for (const id of chosen) {
    if (!byId.has(id))
      throw new KubeExportError(
        `no app "${id}" in the catalog (it has: ${[...byId.keys()].sort().join(', ') || 'none'})`,
      );
  }
  const portOf = (id: string) => {
    const manifest = byId.get(id);
    if (!manifest) return 'unknown' as const;
    const port = [manifest.container, ...manifest.companions.map((c) => c.container)].flatMap((c) => c.ports)[0];
    return port?.containerPort ?? ('no-ports' as const);
  };
  const result: KubeExport = { documents: [], warnings: [], secretCommands: [] };
  for (const manifest of dependenciesFirst(chosen.map((id) => byId.get(id)!))) {
    const exported = await exportApp(manifest, {
      pods: options.pods ?? false,
      target: options.target ?? 'kubernetes',
      hostPorts: options.hostPorts ?? true,
      includeSecrets: options.includeSecrets ?? false,
      ...(options.includeSecrets ? { values: await readValues(manifest, options.secretsDir) } : {}),
      appDataDir: path.join(options.dataDir ?? '/var/lib/podwarden/apps', manifest.id),
      helperImage: options.helperImage ?? DEFAULT_HELPER_IMAGE,
      extraLabels: options.labels ?? {},
      portOf,
    });
    result.documents.push(...exported.documents);
    result.warnings.push(...exported.warnings);
    if (exported.secretCommand) result.secretCommands.push(exported.secretCommand);
  }
  return result;
}

/** The documents as one YAML stream. */
export function kubeYaml(documents: readonly KubeDocument[]): string {
  return documents
    .map((document) => `---\n${stringify(document, { lineWidth: 0, aliasDuplicateObjects: false })}`)
    .join('');
}

/** Apps in an order where each comes after those it depends on; otherwise by id. */
function dependenciesFirst(manifests: AppManifest[]): AppManifest[] {
  const pending = [...manifests].sort((a, b) => ordinal(a.id, b.id));
  const ids = new Set(pending.map((m) => m.id));
  const placed = new Set<string>();
  const order: AppManifest[] = [];
  while (pending.length > 0) {
    // The catalog refuses cycles, so one app is always ready; the fallback only guards the loop.
    const index = Math.max(
      0,
      pending.findIndex((m) => m.dependsOn.every((d) => placed.has(d) || !ids.has(d))),
    );
    const [next] = pending.splice(index, 1);
    order.push(next!);
    placed.add(next!.id);
  }
  return order;
}

async function readValues(manifest: AppManifest, secretsDir: string | undefined): Promise<Record<string, string>> {
  if (manifest.values === undefined) return {};
  if (secretsDir === undefined)
    throw new KubeExportError(`${manifest.id}: including secrets needs podwarden's secrets directory`);
  const file = path.join(secretsDir, manifest.values);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new KubeExportError(`${manifest.id}: cannot read its values file ${file} (${code ?? String(error)})`);
  }
  try {
    return parseValuesFile(text);
  } catch (error) {
    throw new KubeExportError(`${manifest.id}: ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
