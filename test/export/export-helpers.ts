import { exportKube, type KubeExportOptions } from '../../src/export/export-kube.js';
import { warningText } from '../../src/export/export-warning.js';
import type { KubeContainer, KubeDeployment, KubeDocument, KubePodSpec } from '../../src/export/kube-objects.js';
import type { CatalogEntry } from '../../src/manifest/catalog.js';
import { parsed } from '../manifest/parse-helpers.js';
import { validateAgainstSchema } from './kube-schema.js';

/** Catalog entries from manifest texts (one app each), as loadCatalog would give them. */
export function entries(...texts: string[]): CatalogEntry[] {
  return texts.map((text, i) => {
    const file = `/catalog/app-${i}.yml`;
    return { manifest: parsed(text, file), file, hash: '', grants: [] };
  });
}

/** The export of these manifests, every document checked against Kubernetes' schema first. */
export async function exported(texts: string[], options: KubeExportOptions = {}) {
  const result = await exportKube(
    entries(...texts).map((entry) => entry.manifest),
    options,
  );
  validateAgainstSchema(result.documents);
  return { ...result, warnings: result.warnings.map(warningText) };
}

export function findDocument<K extends KubeDocument['kind']>(
  documents: KubeDocument[],
  kind: K,
  name: string,
): Extract<KubeDocument, { kind: K }> {
  const found = documents.find((d) => d.kind === kind && d.metadata.name === name);
  if (!found)
    throw new Error(`no ${kind} ${name} in: ${documents.map((d) => `${d.kind} ${d.metadata.name}`).join(', ')}`);
  return found as Extract<KubeDocument, { kind: K }>;
}

export function podSpecOf(documents: KubeDocument[], app: string): KubePodSpec {
  const pod = documents.find((d) => (d.kind === 'Deployment' || d.kind === 'Pod') && d.metadata.name === app);
  if (!pod) throw new Error(`no Deployment or Pod ${app}`);
  return pod.kind === 'Pod' ? pod.spec : (pod as KubeDeployment).spec.template.spec;
}

export function containerOf(documents: KubeDocument[], app: string, name = app): KubeContainer {
  const container = podSpecOf(documents, app).containers.find((c) => c.name === name);
  if (!container) throw new Error(`no container ${name} in ${app}`);
  return container;
}

/** A minimal manifest with `extra` YAML lines appended under `app:` (indented by two). */
export function manifest(id: string, containerLines: string, extra = ''): string {
  return `app:\n  id: ${id}\n  name: ${id}\n  version: "1.0"\n  container:\n    image: registry.example/${id}:1\n${containerLines
    .split('\n')
    .filter(Boolean)
    .map((line) => `    ${line}`)
    .join('\n')}\n${extra
    .split('\n')
    .filter(Boolean)
    .map((line) => `  ${line}`)
    .join('\n')}\n`;
}
