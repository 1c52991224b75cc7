import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { exportKube, kubeYaml } from '../../src/export/export-kube.js';
import { loadCatalog } from '../../src/manifest/catalog.js';
import { validateAgainstSchema } from '../export/kube-schema.js';
import { lanesUnderTest } from '../lanes/support/lane.js';
import { until } from '../support/until.js';
import { hostSession, type HostSession } from './support/host-session.js';

// The full Kubernetes export (the default target) played by `podman kube play` on podman 5 under
// systemd, rootful and rootless: the sample bitcoind (its rendered bitcoin.conf in a Secret,
// copied into its data claim by the init container `files`) and a small dependent `shop`
// (`dependsOn: [bitcoind]`: an init container `wait-bitcoind`). The dependent is played first:
// its wait runs and its app stays created, not started, until bitcoind is played and answers.
// Read from `podman inspect`, never from events. podman 4.3 cannot run this form, and podman 5
// cannot run a claim's missing subPath (docs/kubernetes.md): the dependent has no volumes.

const TEST_LABEL = 'io.podwarden.test';
const TEST_VALUE = 'kube-play-5';
const NETWORK = 'podwarden-test-kube';
const SAMPLE = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../examples/catalog');
const DEADLINE = 60_000;

interface Inspected {
  State: { Status: string; StartedAt: string };
}

/** An RFC 3339 time with up to nanoseconds as nanoseconds (Date keeps only milliseconds). */
function nanoseconds(time: string): bigint {
  const match = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(time);
  if (!match) throw new Error(`not an RFC 3339 time: ${time}`);
  const fraction = (match[2] ?? '').padEnd(9, '0').slice(0, 9);
  return BigInt(Date.parse(`${match[1]}${match[3]}`)) * 1_000_000n + BigInt(fraction);
}

describe.each(lanesUnderTest().filter((lane) => lane.hostContainer !== undefined))(
  'podman kube play of the Kubernetes export on $title',
  (lane) => {
    let host: HostSession;
    let work: string;
    const tag = randomBytes(3).toString('hex');
    const files = { bitcoind: '', shop: '' };

    async function podman(...args: string[]): Promise<string> {
      return host.run(['podman', ...args]);
    }

    async function labelled(kind: 'pod' | 'volume' | 'container'): Promise<string[]> {
      const list = { pod: ['pod', 'ps'], volume: ['volume', 'ls'], container: ['ps', '--all'] }[kind];
      const out = await podman(...list, '--quiet', '--filter', `label=${TEST_LABEL}=${TEST_VALUE}`);
      return out.split(/\s+/).filter(Boolean);
    }

    /** The Secret's volume carries none of the export's labels: found by its name. */
    async function secretVolumes(): Promise<string[]> {
      const out = await podman('volume', 'ls', '--quiet', '--filter', 'name=^bitcoind-files$');
      return out.split(/\s+/).filter(Boolean);
    }

    async function removeLeftovers(): Promise<void> {
      const pods = await labelled('pod');
      if (pods.length > 0) await podman('pod', 'rm', '--force', ...pods);
      const volumes = [...(await labelled('volume')), ...(await secretVolumes())];
      if (volumes.length > 0) await podman('volume', 'rm', '--force', ...volumes);
      await host.exec(['podman', 'secret', 'rm', 'bitcoind-files']);
    }

    async function inspect(name: string): Promise<Inspected | undefined> {
      const result = await host.exec(['podman', 'container', 'inspect', name]);
      if (result.code !== 0) return undefined;
      return (JSON.parse(result.stdout) as Inspected[])[0];
    }

    /** bitcoind from the sample catalog and the dependent `shop`, their host ports moved to random high ones. */
    async function catalog(): Promise<string> {
      const dir = path.join(work, 'catalog');
      await mkdir(dir);
      const base = 20_000 + Math.floor(Math.random() * 9_000);
      const bitcoind = await readFile(path.join(SAMPLE, 'bitcoind.yml'), 'utf8');
      await writeFile(path.join(dir, 'bitcoind.yml'), bitcoind.replace(/\b3001\b/g, String(base)));
      await copyFile(path.join(SAMPLE, 'bitcoind.env'), path.join(dir, 'bitcoind.env')).catch(() => undefined);
      const shop = [
        'app:',
        '  id: shop',
        '  name: Shop',
        '  version: "1.0.0"',
        '  dependsOn: [bitcoind]',
        '  container:',
        `    image: ${lane.registry}/podwarden/httpd:1`,
        '    env:',
        '      APP_NAME: Shop',
        '    ports:',
        `      - 127.0.0.1:${base + 1}:8080`,
      ].join('\n');
      await writeFile(path.join(dir, 'shop.yml'), `${shop}\n`);
      return dir;
    }

    beforeAll(async () => {
      host = hostSession(lane);
      work = await mkdtemp(path.join(tmpdir(), 'podwarden-kube-play-5-'));
      const loaded = await loadCatalog(await catalog());
      expect(loaded.errors.map(String)).toEqual([]);
      const manifests = [...loaded.apps.values()].map((entry) => entry.manifest);
      for (const app of ['bitcoind', 'shop'] as const) {
        const { documents } = await exportKube(manifests, {
          apps: [app],
          pods: true,
          // docker.io is out of reach here: a sample image with busybox's sh, nc and cp does the waits and copies.
          helperImage: `${lane.registry}/podwarden/httpd:1`,
          labels: { [TEST_LABEL]: TEST_VALUE },
        });
        validateAgainstSchema(documents);
        files[app] = `${host.home}/kube-play-${tag}-${app}.yml`;
        await host.writeFile(files[app], kubeYaml(documents));
      }
      await removeLeftovers();
      // A network with DNS: pods find each other by name, as Services make them findable in a cluster.
      const networks = await podman('network', 'ls', '--format', '{{.Name}}');
      if (!networks.split('\n').includes(NETWORK)) await podman('network', 'create', NETWORK);
    });

    // A failed play leaves pods, volumes and the Secret behind, which the next play would trip over.
    afterEach(removeLeftovers);

    afterAll(async () => {
      if (host) {
        await host.exec(['podman', 'network', 'rm', '--force', NETWORK]);
        await host.exec(['rm', '-f', files.bitcoind, files.shop]);
      }
      await rm(work, { recursive: true, force: true });
    });

    it('holds the dependent in its wait until bitcoind answers, copies the rendered file; kube down --force leaves nothing', async () => {
      // The sample registry inside the host is plain HTTP on loopback. kube play returns once the
      // pod's init containers are done and its app started: the dependent's play waits for bitcoind.
      const play = (file: string) => podman('kube', 'play', '--tls-verify=false', '--network', NETWORK, file);
      const dependentPlayed = play(files.shop);
      dependentPlayed.catch(() => undefined);

      // bitcoind is not there: shop's wait runs and shop's app is created, not started.
      await until(
        'shop-wait-bitcoind running',
        async () => (await inspect('shop-wait-bitcoind'))?.State.Status === 'running',
        DEADLINE,
        250,
      );
      expect((await inspect('shop-shop'))?.State.Status ?? 'not created yet').not.toBe('running');

      await play(files.bitcoind);
      await dependentPlayed;
      for (const name of ['bitcoind-bitcoind', 'bitcoind-ui', 'shop-shop']) {
        await until(`${name} running`, async () => (await inspect(name))?.State.Status === 'running', DEADLINE, 250);
      }
      // shop started only after the container behind bitcoind's port had started.
      const answering = nanoseconds((await inspect('bitcoind-ui'))!.State.StartedAt);
      const shopStarted = nanoseconds((await inspect('shop-shop'))!.State.StartedAt);
      expect(shopStarted > answering, 'shop-shop started after bitcoind-ui').toBe(true);
      // podman 5 removes an init container once it has run.
      expect(await inspect('shop-wait-bitcoind')).toBeUndefined();
      expect(await inspect('bitcoind-files')).toBeUndefined();

      // The rendered file, from the Secret, copied into the data claim at its path and mode.
      const conf = await podman(
        'exec',
        'bitcoind-bitcoind',
        'sh',
        '-c',
        'stat -c %a /data/bitcoin.conf && cat /data/bitcoin.conf',
      );
      expect(conf).toBe('600\nsignet=1\nrpcuser=CHANGE-ME-RPC_USER\nrpcpassword=CHANGE-ME-RPC_PASSWORD\n');

      await podman('kube', 'down', '--force', files.shop);
      // podman 5.4.2 removes bitcoind's pod, Secret, claim and the Secret's volume, then fails with
      // "no such volume": only that error is let through, and what is left is checked below.
      const down = await host.exec(['podman', 'kube', 'down', '--force', files.bitcoind]);
      if (down.code !== 0) expect(down.stderr.trim()).toBe('Error: no such volume');
      expect(down.stdout).toContain('Secrets removed');
      expect(await labelled('pod')).toEqual([]);
      expect(await labelled('container')).toEqual([]);
      expect(await labelled('volume')).toEqual([]);
      expect(await secretVolumes()).toEqual([]);
      expect((await podman('secret', 'ls', '--format', '{{.Name}}')).split('\n')).not.toContain('bitcoind-files');
    });
  },
);
