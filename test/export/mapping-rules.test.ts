import { describe, expect, it } from 'vitest';
import { KubeExportError } from '../../src/export/export-kube.js';
import { containerOf, exported, findDocument, manifest, podSpecOf } from './export-helpers.js';

// One test per mapping rule of docs/kubernetes.md: the manifest field in, the Kubernetes field
// out (each expected value is the golden), every document valid against Kubernetes' schema.

describe('export to Kubernetes, field by field', () => {
  it('image, pullPolicy, entrypoint and command become image, imagePullPolicy, command and args', async () => {
    const { documents } = await exported([
      manifest('app', 'pullPolicy: always\nentrypoint: [/bin/sh, -c]\ncommand: ["exec httpd -f"]'),
    ]);
    expect(containerOf(documents, 'app')).toMatchObject({
      image: 'registry.example/app:1',
      imagePullPolicy: 'Always',
      command: ['/bin/sh', '-c'],
      args: ['exec httpd -f'],
    });
  });

  it('env becomes a list of name/value strings, in the manifest order', async () => {
    const { documents } = await exported([manifest('app', 'env:\n  B: 2\n  A: "yes"\n  C: true')]);
    expect(containerOf(documents, 'app').env).toEqual([
      { name: 'B', value: '2' },
      { name: 'A', value: 'yes' },
      { name: 'C', value: 'true' },
    ]);
  });

  it('ports become containerPorts (published on the node as asked) and a Service named as the app', async () => {
    const { documents } = await exported([manifest('app', 'ports:\n  - 127.0.0.1:3001:8080\n  - 5353:53/udp')]);
    expect(containerOf(documents, 'app').ports).toEqual([
      { containerPort: 8080, protocol: 'TCP', hostPort: 3001, hostIP: '127.0.0.1' },
      { containerPort: 53, protocol: 'UDP', hostPort: 5353 },
    ]);
    expect(findDocument(documents, 'Service', 'app').spec).toEqual({
      selector: { 'app.kubernetes.io/name': 'app', 'io.podwarden.app': 'app' },
      ports: [
        { name: 'tcp-8080', port: 8080, targetPort: 8080, protocol: 'TCP' },
        { name: 'udp-53', port: 53, targetPort: 53, protocol: 'UDP' },
      ],
    });
    const unpublished = await exported([manifest('app', 'ports: ["3001:8080"]')], { hostPorts: false });
    expect(containerOf(unpublished.documents, 'app').ports).toEqual([{ containerPort: 8080, protocol: 'TCP' }]);
  });

  it('an app without ports gets no Service', async () => {
    const { documents } = await exported([manifest('app', '')]);
    expect(documents.map((d) => d.kind)).toEqual(['Deployment']);
  });

  it('resources become equal requests and limits', async () => {
    const { documents } = await exported([manifest('app', 'resources:\n  memory: 256m\n  cpus: 0.5')]);
    expect(containerOf(documents, 'app').resources).toEqual({
      requests: { memory: '256Mi', cpu: '500m' },
      limits: { memory: '256Mi', cpu: '500m' },
    });
  });

  it('stopTimeout becomes terminationGracePeriodSeconds: the longest of the pod, 10 s when unsaid', async () => {
    const plain = await exported([manifest('app', '')]);
    expect(podSpecOf(plain.documents, 'app').terminationGracePeriodSeconds).toBe(10);
    const slow = await exported([
      manifest(
        'app',
        'stopTimeout: 5s',
        'companions:\n  - id: ui\n    container:\n      image: registry.example/ui:1\n      stopTimeout: 90s',
      ),
    ]);
    expect(podSpecOf(slow.documents, 'app').terminationGracePeriodSeconds).toBe(90);
  });

  it('probes become startup, liveness and readiness probes with their check and timing', async () => {
    const { documents, warnings } = await exported([
      manifest(
        'app',
        '',
        [
          'probes:',
          '  startup: { http: { path: /ready, port: 8080 }, interval: 2s, timeout: 1s, failureThreshold: 30 }',
          '  liveness: { tcp: { port: 8080 }, interval: 10s, timeout: 2s, startPeriod: 15s }',
          '  readiness: { exec: { command: [cat, /tmp/ready] }, interval: 5s, successThreshold: 2 }',
        ].join('\n'),
      ),
    ]);
    const container = containerOf(documents, 'app');
    expect(container.startupProbe).toEqual({
      httpGet: { path: '/ready', port: 8080 },
      periodSeconds: 2,
      timeoutSeconds: 1,
      failureThreshold: 30,
      successThreshold: 1,
    });
    expect(container.livenessProbe).toEqual({
      tcpSocket: { port: 8080 },
      initialDelaySeconds: 15,
      periodSeconds: 10,
      timeoutSeconds: 2,
      failureThreshold: 3,
      successThreshold: 1,
    });
    expect(container.readinessProbe).toEqual({
      exec: { command: ['cat', '/tmp/ready'] },
      periodSeconds: 5,
      timeoutSeconds: 1,
      failureThreshold: 3,
      successThreshold: 2,
    });
    expect(warnings).toEqual([]);
  });

  it('what kubelet cannot say about a probe is a warning naming the app and the field', async () => {
    const { documents, warnings } = await exported([
      manifest(
        'app',
        '',
        [
          'probes:',
          '  liveness: { http: { path: /, port: 80, expectStatus: 204 }, interval: 1500ms, successThreshold: 2 }',
          '  onLivenessFailure: recreate',
        ].join('\n'),
      ),
    ]);
    expect(containerOf(documents, 'app').livenessProbe).toMatchObject({ periodSeconds: 2, successThreshold: 1 });
    expect(warnings).toEqual([
      'app: probes.onLivenessFailure: kubelet restarts the container on a failed liveness probe; it never recreates it',
      'app: probes.liveness: expectStatus 204 cannot be expressed: kubelet accepts any status from 200 to 399',
      'app: probes.liveness: successThreshold 2 is written as 1 (Kubernetes requires 1 for liveness probes)',
      'app: probes.liveness: interval 1500 ms is written as 2 s (Kubernetes counts whole seconds, at least 1)',
    ]);
  });

  it("the manifest's healthcheck becomes an exec liveness probe (a companion's too)", async () => {
    const { documents, warnings } = await exported([
      manifest(
        'app',
        'healthcheck:\n  test: [CMD-SHELL, "wget -q -O /dev/null http://127.0.0.1:8080/"]\n  interval: 10s\n  timeout: 3s\n  retries: 4\n  startPeriod: 5s',
        'companions:\n  - id: ui\n    container:\n      image: registry.example/ui:1\n      healthcheck: { test: [CMD, /bin/check] }',
      ),
    ]);
    expect(containerOf(documents, 'app').livenessProbe).toEqual({
      exec: { command: ['/bin/sh', '-c', 'wget -q -O /dev/null http://127.0.0.1:8080/'] },
      initialDelaySeconds: 5,
      periodSeconds: 10,
      timeoutSeconds: 3,
      failureThreshold: 4,
      successThreshold: 1,
    });
    expect(containerOf(documents, 'app', 'ui').livenessProbe).toMatchObject({ exec: { command: ['/bin/check'] } });
    expect(warnings).toEqual([]);
  });

  it("the image's own HEALTHCHECK cannot be seen offline: a warning says how to keep it", async () => {
    const { warnings } = await exported([manifest('app', '')]);
    expect(warnings).toEqual([
      "app: probes.imageHealthcheck: the image's own HEALTHCHECK, if it has one, is not run by Kubernetes: declare it as probes.liveness to keep it",
    ]);
    const off = await exported([manifest('app', '', 'probes:\n  imageHealthcheck: false')]);
    expect(off.warnings).toEqual([]);
  });

  it('the data dir is one claim <app>-data (size from requirements.disk), each ./x a subPath of it', async () => {
    const { documents } = await exported([
      manifest(
        'app',
        'volumes:\n  - ./plugins:/data/plugins\n  - ./config:/data/config:ro\n  - .:/all',
        'requirements:\n  disk: 20GiB',
      ),
    ]);
    expect(findDocument(documents, 'PersistentVolumeClaim', 'app-data').spec).toEqual({
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: '20Gi' } },
    });
    expect(containerOf(documents, 'app').volumeMounts).toEqual([
      { name: 'data', mountPath: '/data/plugins', subPath: 'plugins' },
      { name: 'data', mountPath: '/data/config', subPath: 'config', readOnly: true },
      { name: 'data', mountPath: '/all' },
    ]);
    expect(podSpecOf(documents, 'app').volumes).toEqual([
      { name: 'data', persistentVolumeClaim: { claimName: 'app-data' } },
    ]);
  });

  it('every subPath directory is made first, by the init container subpath-dirs (podman kube play does not make one)', async () => {
    const app = manifest(
      'app',
      'volumes:\n  - ./plugins:/data/plugins\n  - ./config:/data/config:ro\n  - .:/all',
      [
        'dependsOn: [db]',
        'companions:',
        '  - id: ui',
        '    container:',
        '      image: registry.example/ui:1',
        '      volumes: ["./plugins:/plugins:ro", "./ui/cache:/cache"]',
      ].join('\n'),
    );
    const { documents } = await exported([app, manifest('db', 'ports: ["5432:5432"]')], {
      helperImage: 'registry.example/busybox:1',
    });
    const initContainers = podSpecOf(documents, 'app').initContainers ?? [];
    expect(initContainers.map((c) => c.name)).toEqual(['subpath-dirs', 'wait-db']);
    // Each directory once, as an argument of the script; the claim mounted whole, as root.
    expect(initContainers[0]).toEqual({
      name: 'subpath-dirs',
      image: 'registry.example/busybox:1',
      command: [
        'sh',
        '-c',
        'umask 027; mkdir -p "$@"',
        'subpath-dirs',
        '/podwarden/volumes/data/plugins',
        '/podwarden/volumes/data/config',
        '/podwarden/volumes/data/ui/cache',
      ],
      securityContext: { runAsUser: 0 },
      volumeMounts: [{ name: 'data', mountPath: '/podwarden/volumes/data' }],
    });
    // Nothing to make without a subPath; and podman's target has no init containers at all.
    expect(podSpecOf(documents, 'db').initContainers).toBeUndefined();
    const forPodman = await exported([app, manifest('db', 'ports: ["5432:5432"]')], { target: 'podman' });
    expect(podSpecOf(forPodman.documents, 'app').initContainers).toBeUndefined();
  });

  it('a named volume is its own claim <app>-<name>; tmpfs a memory emptyDir', async () => {
    const { documents } = await exported([manifest('app', 'volumes: ["chain:/chain"]\ntmpfs: [/tmp]')]);
    expect(findDocument(documents, 'PersistentVolumeClaim', 'app-chain').spec.resources.requests.storage).toBe('1Gi');
    expect(podSpecOf(documents, 'app').volumes).toEqual([
      { name: 'vol-chain', persistentVolumeClaim: { claimName: 'app-chain' } },
      { name: 'tmp-tmp', emptyDir: { medium: 'Memory' } },
    ]);
  });

  it("a host path (allowed by the owner's policy) becomes a hostPath, with a warning that it is the node's", async () => {
    const { documents, warnings } = await exported([manifest('app', 'volumes: ["/srv/blocks:/blocks:ro"]')]);
    expect(podSpecOf(documents, 'app').volumes).toEqual([
      { name: 'host-srv-blocks', hostPath: { path: '/srv/blocks' } },
    ]);
    expect(containerOf(documents, 'app').volumeMounts).toEqual([
      { name: 'host-srv-blocks', mountPath: '/blocks', readOnly: true },
    ]);
    expect(warnings).toContain(
      "app: container.volumes[0]: host path /srv/blocks is the node's: on a cluster it exists only on the node the pod lands on",
    );
  });

  it('companions are more containers of the app pod, sharing its data claim', async () => {
    const { documents } = await exported([
      manifest(
        'app',
        'volumes: ["./data:/data"]',
        'companions:\n  - id: ui\n    container:\n      image: registry.example/ui:1\n      volumes: ["./data:/node:ro"]',
      ),
    ]);
    expect(podSpecOf(documents, 'app').containers.map((c) => c.name)).toEqual(['app', 'ui']);
    expect(containerOf(documents, 'app', 'ui').volumeMounts).toEqual([
      { name: 'data', mountPath: '/node', subPath: 'data', readOnly: true },
    ]);
    expect(documents.filter((d) => d.kind === 'PersistentVolumeClaim')).toHaveLength(1);
  });

  it("podwarden's labels are kept (never its owner label) and a Deployment is one replica, Recreate", async () => {
    const { documents } = await exported([manifest('app', '')], { labels: { team: 'node' } });
    const deployment = findDocument(documents, 'Deployment', 'app');
    expect(deployment.metadata.labels).toEqual({
      'app.kubernetes.io/name': 'app',
      'io.podwarden.app': 'app',
      'app.kubernetes.io/version': '1.0',
      'app.kubernetes.io/managed-by': 'podwarden',
      'io.podwarden.role': 'app',
      team: 'node',
    });
    expect(deployment.spec).toMatchObject({ replicas: 1, strategy: { type: 'Recreate' } });
    const pods = await exported([manifest('app', '')], { pods: true });
    expect(pods.documents.map((d) => d.kind)).toEqual(['Pod']);
  });

  it('user (numeric) and capAdd become the securityContext; a user name is a warning', async () => {
    const { documents } = await exported([manifest('app', 'user: "1000:1001"\ncapAdd: [NET_ADMIN]')]);
    expect(containerOf(documents, 'app').securityContext).toEqual({
      runAsUser: 1000,
      runAsGroup: 1001,
      capabilities: { add: ['NET_ADMIN'] },
    });
    const named = await exported([manifest('app', 'user: bitcoin')]);
    expect(named.warnings).toContain(
      'app: container.user: "bitcoin" is a name: Kubernetes takes numeric ids only (runAsUser), so it is left out',
    );
  });

  it('network host becomes hostNetwork; another network is a warning', async () => {
    const host = await exported([manifest('app', 'network: host')]);
    expect(podSpecOf(host.documents, 'app').hostNetwork).toBe(true);
    const other = await exported([manifest('app', 'network: lightning')]);
    expect(other.warnings).toContain(
      'app: container.network: network "lightning" has no equivalent: a pod joins the cluster\'s one pod network',
    );
  });

  it('an app asked for that the catalog lacks is refused, naming it and what there is', async () => {
    await expect(exported([manifest('app', '')], { apps: ['nope'] })).rejects.toThrow(
      new KubeExportError('no app "nope" in the catalog (it has: app)'),
    );
  });
});
