import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { exportKube, kubeYaml } from '../../src/export/export-kube.js';
import { importKube } from '../../src/export/import-kube.js';
import { loadCatalog } from '../../src/manifest/catalog.js';
import { inlineManifestParser } from '../../src/manifest/manifest-parser.js';

const CATALOG = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../examples/catalog');

function refusal(text: string): string {
  try {
    importKube(text, 'in.yml');
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  throw new Error('expected a refusal, the file was imported');
}

const POD = (container: string, extra = '') => `apiVersion: v1
kind: Pod
metadata:
  name: app
spec:
${extra}  containers:
    - name: app
      image: registry.example/app:2.1
${container}`;

describe('import kube', () => {
  it('maps the export of each sample app without files back to a manifest whose export is the same (a fixpoint)', async () => {
    const catalog = await loadCatalog(CATALOG, { parser: inlineManifestParser });
    for (const id of ['btcpay', 'electrs', 'mempool']) {
      const first = await exportKube(
        [...catalog.apps.values()].map((entry) => entry.manifest),
        { apps: [id] },
      );
      const imported = importKube(kubeYaml(first.documents), `${id}.yml`);
      const others = [...catalog.apps.values()].map((entry) => entry.manifest).filter((manifest) => manifest.id !== id);
      const again = await exportKube([...others, imported.manifest], {
        apps: [id],
      });
      expect(again.documents, id).toEqual(first.documents);
    }
  });

  it('writes a manifest podwarden reads: ports, env, probes, volumes, companions and dependsOn', () => {
    const { manifest } = importKube(
      POD(
        `      args: [serve]
      env: [{ name: MODE, value: fast }]
      ports: [{ containerPort: 8080, hostPort: 3001, hostIP: 127.0.0.1 }]
      resources: { limits: { memory: 256Mi, cpu: 500m } }
      readinessProbe: { httpGet: { path: /ready, port: 8080 }, periodSeconds: 5 }
      volumeMounts: [{ name: data, mountPath: /data, subPath: data }, { name: tmp, mountPath: /tmp }]
    - name: ui
      image: registry.example/ui:1
      livenessProbe: { exec: { command: [/bin/check] } }
      volumeMounts: [{ name: data, mountPath: /node, subPath: data, readOnly: true }]
  volumes:
    - { name: data, persistentVolumeClaim: { claimName: app-data } }
    - { name: tmp, emptyDir: { medium: Memory } }
`,
        '  initContainers: [{ name: wait-db, image: busybox }]\n  terminationGracePeriodSeconds: 30\n',
      ),
      'in.yml',
    );
    expect(manifest).toMatchObject({
      id: 'app',
      version: '2.1',
      dependsOn: ['db'],
      container: {
        image: 'registry.example/app:2.1',
        command: ['serve'],
        env: { MODE: 'fast' },
        ports: [{ hostIp: '127.0.0.1', hostPort: 3001, containerPort: 8080, protocol: 'tcp' }],
        resources: { memoryBytes: 256 * 1024 * 1024, cpus: 0.5 },
        volumes: [{ kind: 'app-data', source: 'data', target: '/data', readOnly: false }],
        tmpfs: ['/tmp'],
        stopTimeoutMs: 30_000,
      },
      probes: { readiness: { check: { kind: 'http', path: '/ready', port: 8080 }, intervalMs: 5_000 } },
      companions: [
        {
          id: 'ui',
          container: {
            healthcheck: { test: ['CMD', '/bin/check'] },
            volumes: [{ kind: 'app-data', source: 'data', target: '/node', readOnly: true }],
          },
        },
      ],
    });
  });

  it('refuses, naming the field, what does not map back', () => {
    expect(refusal(POD('      env: [{ name: A, valueFrom: { secretKeyRef: { name: s, key: k } } }]\n'))).toBe(
      'documents[0].spec.containers[0].env[0].valueFrom: has no podwarden equivalent',
    );
    expect(refusal(POD('      ports: [{ containerPort: 80 }]\n'))).toBe(
      'documents[0].spec.containers[0].ports[0].hostPort: missing: podwarden publishes every port it is given on the host; add the hostPort to publish it',
    );
    expect(refusal(POD('      stdin: true\n'))).toBe(
      'documents[0].spec.containers[0].stdin: has no podwarden equivalent',
    );
    expect(refusal(POD('', '  initContainers: [{ name: migrate, image: x }]\n'))).toMatch(
      /^documents\[0\]\.spec\.initContainers\[0\]: init container "migrate" does not map back/,
    );
    // The export's subpath-dirs maps back only as the export writes it (here it makes a folder nothing mounts).
    expect(
      refusal(
        POD(
          '',
          `  initContainers: [{ name: subpath-dirs, image: x, command: [sh, -c, 'umask 027; mkdir -p "$@"', subpath-dirs, /podwarden/volumes/data/x], securityContext: { runAsUser: 0 }, volumeMounts: [{ name: data, mountPath: /podwarden/volumes/data }] }]\n`,
        ),
      ),
    ).toMatch(/^documents\[0\]\.spec\.initContainers\[0\]: init container "subpath-dirs" does not map back/);
    expect(refusal(POD('      resources: { requests: { memory: 1Gi }, limits: { memory: 2Gi } }\n'))).toBe(
      'documents[0].spec.containers[0].resources.requests.memory: podwarden has limits only: a request must equal its limit',
    );
    expect(
      refusal(
        'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: app }\nspec:\n  replicas: 3\n  template: { spec: { containers: [{ name: app, image: x }] } }\n',
      ),
    ).toBe('documents[0].spec.replicas: podwarden runs one container per app: replicas must be 1');
    expect(refusal('apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c }\n')).toMatch(
      /^documents\[0\]\.kind: a ConfigMap holds rendered files/,
    );
    expect(refusal(`${POD('')}---\n${POD('')}`)).toBe('in.yml: holds 2 Deployments and Pods; exactly one is imported');
  });

  it("refuses the export's rendered files, saying where they belong", async () => {
    const catalog = await loadCatalog(CATALOG, { parser: inlineManifestParser });
    const { documents } = await exportKube(
      [...catalog.apps.values()].map((entry) => entry.manifest),
      { apps: ['bitcoind'] },
    );
    expect(refusal(kubeYaml(documents))).toBe(
      'documents[1].kind: a Secret holds rendered files, which do not map back: write them as app.files (their secrets in app.values)',
    );
    const withoutSecret = documents.filter((document) => document.kind !== 'Secret');
    expect(refusal(kubeYaml(withoutSecret))).toBe(
      'documents[2].spec.template.spec.volumes[1].secret: has no podwarden equivalent',
    );
  });
});
