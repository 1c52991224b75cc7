import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FILES_CHECKSUM_ANNOTATION } from '../../src/export/kube-labels.js';
import { containerOf, exported, findDocument, manifest, podSpecOf } from './export-helpers.js';

const WITH_FILES = manifest(
  'node',
  'volumes: ["./data:/data"]',
  [
    'values: node.env',
    'files:',
    '  - path: data/node.conf',
    '    template: "rpcpassword={{RPC_PASSWORD}}\\n"',
    '  - path: data/plain.conf',
    '    template: "network=signet\\n"',
    '    mode: "0644"',
  ].join('\n'),
);

describe('rendered files', () => {
  it('go into a Secret (values) or ConfigMap, copied into the data claim by an init container; secrets stay placeholders', async () => {
    const { documents, warnings, secretCommands } = await exported([WITH_FILES], {
      dataDir: '/var/lib/podwarden/apps',
    });
    expect(findDocument(documents, 'Secret', 'node-files').stringData).toEqual({
      'data__node.conf': 'rpcpassword=CHANGE-ME-RPC_PASSWORD\n',
    });
    expect(findDocument(documents, 'ConfigMap', 'node-config').data).toEqual({
      'data__plain.conf': 'network=signet\n',
    });
    const initContainers = podSpecOf(documents, 'node').initContainers ?? [];
    // subpath-dirs first (the data claim's `data` folder), then the copy.
    expect(initContainers.map((c) => c.name)).toEqual(['subpath-dirs', 'files']);
    const files = initContainers[1];
    expect(files).toMatchObject({
      name: 'files',
      image: 'docker.io/library/busybox:1.36',
      volumeMounts: [
        { name: 'data', mountPath: '/podwarden/data' },
        { name: 'files', mountPath: '/podwarden/secret', readOnly: true },
        { name: 'config', mountPath: '/podwarden/config', readOnly: true },
      ],
    });
    // The paths are arguments of the copy script, never spliced into it.
    expect(files?.command?.slice(3)).toEqual([
      'files',
      '/podwarden/secret/data__node.conf',
      'data/node.conf',
      '0600',
      '/podwarden/config/data__plain.conf',
      'data/plain.conf',
      '0644',
    ]);
    expect(warnings).toContain(
      'node: values: the Secret node-files holds placeholders for RPC_PASSWORD: fill it with the command printed below',
    );
    expect(secretCommands).toEqual([
      'kubectl create secret generic node-files --from-file=data__node.conf=/var/lib/podwarden/apps/node/data/node.conf --dry-run=client -o yaml | kubectl apply -f -',
    ]);
  });

  it('with includeSecrets the values are written, and no command is needed', async () => {
    const secretsDir = await mkdtemp(path.join(tmpdir(), 'pw-export-'));
    await writeFile(path.join(secretsDir, 'node.env'), 'RPC_PASSWORD=s3cr3t\n');
    const { documents, secretCommands } = await exported([WITH_FILES], { includeSecrets: true, secretsDir });
    expect(findDocument(documents, 'Secret', 'node-files').stringData).toEqual({
      'data__node.conf': 'rpcpassword=s3cr3t\n',
    });
    expect(secretCommands).toEqual([]);
  });

  it('a checksum annotation on the pod changes when a file does, so the Deployment rolls', async () => {
    const checksum = async (text: string) => {
      const { documents } = await exported([text]);
      return findDocument(documents, 'Deployment', 'node').spec.template.metadata.annotations?.[
        FILES_CHECKSUM_ANNOTATION
      ];
    };
    const before = await checksum(WITH_FILES);
    expect(before).toMatch(/^[0-9a-f]{64}$/);
    expect(await checksum(WITH_FILES)).toBe(before);
    expect(await checksum(WITH_FILES.replace('network=signet', 'network=main'))).not.toBe(before);
  });

  it('for podman, files are left out with a warning each (no init containers there)', async () => {
    const { documents, warnings } = await exported([WITH_FILES], { target: 'podman' });
    expect(documents.map((d) => d.kind)).toEqual(['PersistentVolumeClaim', 'Deployment']);
    expect(podSpecOf(documents, 'node').initContainers).toBeUndefined();
    expect(warnings).toContain(
      'node: files[0]: data/node.conf is left out for podman: podman kube play can neither copy it into the data volume (init container) nor mount one file into a mounted directory (subPath)',
    );
  });
});

describe('dependsOn', () => {
  const db = manifest('db', 'ports: ["5432:5432"]');
  const api = manifest('api', 'ports: ["8080:8080"]', 'dependsOn: [db, cache, quiet]');
  const quiet = manifest('quiet', '');

  it("becomes an init container per dependency that waits until the dependency's Service answers", async () => {
    const { documents, warnings } = await exported([api, db, quiet], { helperImage: 'registry.example/busybox:1' });
    const waits = podSpecOf(documents, 'api').initContainers ?? [];
    expect(waits.map((c) => [c.name, c.image, ...(c.command ?? []).slice(3)])).toEqual([
      ['wait-db', 'registry.example/busybox:1', 'wait', 'db', '5432'],
      ['wait-cache', 'registry.example/busybox:1', 'wait', 'cache'],
      ['wait-quiet', 'registry.example/busybox:1', 'wait', 'quiet'],
    ]);
    expect(waits[0]?.command?.[2]).toContain('nc -w 2 "$1" "$2"');
    expect(warnings).toEqual(
      expect.arrayContaining([
        'api: dependsOn[1]: cache is not in the catalog: api waits until a Service named cache answers',
        'api: dependsOn[2]: quiet publishes no port: api waits only until the name quiet resolves, not until it is ready',
      ]),
    );
  });

  it('puts every dependency before its dependents in the file (podman kube play starts pods in order)', async () => {
    const { documents } = await exported([api, db, quiet]);
    expect(documents.filter((d) => d.kind === 'Deployment').map((d) => d.metadata.name)).toEqual([
      'db',
      'quiet',
      'api',
    ]);
  });

  it('for podman, the order stays and each dependency is a warning', async () => {
    const { documents, warnings } = await exported([api, db], { target: 'podman' });
    expect(podSpecOf(documents, 'api').initContainers).toBeUndefined();
    expect(containerOf(documents, 'api').name).toBe('api');
    expect(warnings).toContain(
      'api: dependsOn[0]: db comes first in the file, but nothing holds api until it is ready (podman cannot run init containers reliably)',
    );
  });
});
