import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { exportKube, kubeYaml, type KubeExportOptions } from '../../src/export/export-kube.js';
import { warningText } from '../../src/export/export-warning.js';
import type { KubeDocument } from '../../src/export/kube-objects.js';
import { loadCatalog } from '../../src/manifest/catalog.js';
import { inlineManifestParser } from '../../src/manifest/manifest-parser.js';
import { SCHEMA_VERSION, validateAgainstSchema } from './kube-schema.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const GOLDEN = path.join(HERE, 'golden');
const CATALOG = path.join(HERE, '../../examples/catalog');
// Set PODWARDEN_UPDATE_GOLDEN=1 to rewrite the golden files after an intended change.
const UPDATE = process.env.PODWARDEN_UPDATE_GOLDEN === '1';

async function golden(file: string, text: string): Promise<string> {
  const target = path.join(GOLDEN, file);
  if (UPDATE) await writeFile(target, text);
  return readFile(target, 'utf8');
}

async function sampleExport(options: KubeExportOptions) {
  const catalog = await loadCatalog(CATALOG, { parser: inlineManifestParser });
  expect(catalog.errors.map(String)).toEqual([]);
  return exportKube(
    [...catalog.apps.values()].map((entry) => entry.manifest),
    options,
  );
}

describe('the sample catalog, exported', () => {
  const cases: Array<[string, KubeExportOptions]> = [
    ['sample-catalog.kubernetes.yml', {}],
    ['sample-catalog.podman-pods.yml', { pods: true, target: 'podman' }],
  ];
  for (const [file, options] of cases) {
    it(`${file}: valid against Kubernetes ${SCHEMA_VERSION}, and its golden file (warnings included)`, async () => {
      const result = await sampleExport(options);
      validateAgainstSchema(result.documents);
      const text = [
        kubeYaml(result.documents),
        ...result.warnings.map((w) => `# warning: ${warningText(w)}\n`),
        ...result.secretCommands.map((c) => `# fill in: ${c}\n`),
      ].join('');
      expect(text).toBe(await golden(file, text));
    });
  }

  it('every app becomes a Deployment, dependencies first', async () => {
    const { documents } = await sampleExport({});
    expect(documents.filter((d) => d.kind === 'Deployment').map((d) => d.metadata.name)).toEqual([
      'bitcoind',
      'btcpay',
      'electrs',
      'mempool',
    ]);
  });

  it('the schema check is no formality: a wrong field type is refused, naming where', () => {
    const wrong = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'x' },
      spec: { selector: {}, ports: [{ name: 'p', port: '8080', targetPort: 8080, protocol: 'TCP' }] },
    } as unknown as KubeDocument;
    expect(() => validateAgainstSchema([wrong])).toThrow(
      /Service x is not valid Kubernetes 1\.33\.0: .*ports\/0\/port must be integer/,
    );
  });
});
