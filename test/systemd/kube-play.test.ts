import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
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
// systemd, rootful and rootless. Read from `podman inspect`, never from events; podman 4.3
// cannot run this form (docs/kubernetes.md).
// - The hold: the sample bitcoind (its rendered bitcoin.conf in a Secret, copied into its data
//   claim by the init container `files`) and a small dependent `shop` (`dependsOn: [bitcoind]`:
//   an init container `wait-bitcoind`), the dependent played first: its wait runs and its app
//   stays created, not started, until bitcoind is played and answers.
// - The whole sample catalog as one file, from fresh claims: every app's containers running, the
//   subPath folders made by `subpath-dirs`, each dependent's wait done before its app started.

const TEST_LABEL = 'io.podwarden.test';
const TEST_VALUE = 'kube-play-5';
const NETWORK = 'podwarden-test-kube';
const SAMPLE = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../examples/catalog');
const DEADLINE = 60_000;

interface Inspected {
  Name: string;
  State: { Status: string; StartedAt: string; FinishedAt: string; ExitCode: number };
}

/** podman 5 removes an init container once it has run (type `once`); `always` keeps it to inspect. */
const KEEP_INIT_CONTAINERS = { 'io.podman.annotations.init.container.type': 'always' };
/** The sample catalog's host ports, each moved to a random high one (the host's other tests use them). */
const SAMPLE_PORTS = [3001, 3002, 3003, 3006];

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
    const files = { bitcoind: '', shop: '', catalog: '' };

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

    /** Many containers at once, by name; a missing one is left out. */
    async function inspectAll(names: string[]): Promise<Map<string, Inspected>> {
      const result = await host.exec(['podman', 'container', 'inspect', ...names]);
      const found = result.stdout.trim() ? (JSON.parse(result.stdout) as Inspected[]) : [];
      return new Map(found.map((container) => [container.Name, container]));
    }

    /** The sample catalog and the dependent `shop`, their host ports moved to random high ones. */
    async function catalog(): Promise<string> {
      const dir = path.join(work, 'catalog');
      await mkdir(dir);
      const base = 20_000 + Math.floor(Math.random() * 9_000);
      const moved = (text: string) =>
        SAMPLE_PORTS.reduce((t, port) => t.replace(new RegExp(`\\b${port}\\b`, 'g'), String(base + port - 3000)), text);
      for (const file of await readdir(SAMPLE)) {
        if (file.endsWith('.yml'))
          await writeFile(path.join(dir, file), moved(await readFile(path.join(SAMPLE, file), 'utf8')));
        else await copyFile(path.join(SAMPLE, file), path.join(dir, file));
      }
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
        `      - 127.0.0.1:${base + 10}:8080`,
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
      const plays = { bitcoind: ['bitcoind'], shop: ['shop'], catalog: ['bitcoind', 'btcpay', 'electrs', 'mempool'] };
      for (const [name, apps] of Object.entries(plays) as Array<[keyof typeof files, string[]]>) {
        const { documents } = await exportKube(manifests, {
          apps,
          pods: true,
          // docker.io is out of reach here: a sample image with busybox's sh, nc, cp and mkdir does the init work.
          helperImage: `${lane.registry}/podwarden/httpd:1`,
          labels: { [TEST_LABEL]: TEST_VALUE },
        });
        validateAgainstSchema(documents);
        if (name === 'catalog') {
          for (const document of documents) {
            if (document.kind === 'Pod')
              document.metadata.annotations = { ...document.metadata.annotations, ...KEEP_INIT_CONTAINERS };
          }
        }
        files[name] = `${host.home}/kube-play-${tag}-${name}.yml`;
        await host.writeFile(files[name], kubeYaml(documents));
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
        await host.exec(['rm', '-f', files.bitcoind, files.shop, files.catalog]);
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

    it('plays the whole sample catalog from fresh claims: subPath folders made, every app running, each wait done before its app', async () => {
      // One file, dependencies first, as `podwarden export kube --all --pods` writes it.
      const began = Date.now();
      await podman('kube', 'play', '--tls-verify=false', '--network', NETWORK, files.catalog);
      console.log(`kube play of the sample catalog on ${lane.id}: ${(Date.now() - began) / 1000} s`);
      const apps = ['bitcoind-bitcoind', 'bitcoind-ui', 'btcpay-btcpay', 'electrs-electrs', 'mempool-mempool'];
      const inits = ['bitcoind-subpath-dirs', 'bitcoind-files'].concat(
        ['btcpay', 'electrs'].flatMap((app) => [`${app}-subpath-dirs`, `${app}-wait-bitcoind`]),
      );
      // One inspect of them all (a look into the host costs a podman exec under load).
      const seen = await until(
        'every app container running',
        async () => {
          const found = await inspectAll([...apps, ...inits]);
          return apps.every((name) => found.get(name)?.State.Status === 'running') && found;
        },
        DEADLINE,
        250,
      );

      /** An init container that has run: exited 0, and when it started and finished. */
      function ran(name: string): { started: bigint; finished: bigint } {
        const state = seen.get(name)?.State;
        expect(state && [state.Status, state.ExitCode], `${name} exited 0`).toEqual(['exited', 0]);
        return { started: nanoseconds(state!.StartedAt), finished: nanoseconds(state!.FinishedAt) };
      }
      const answering = nanoseconds(seen.get('bitcoind-ui')!.State.StartedAt);
      for (const app of ['btcpay', 'electrs']) {
        const dirs = ran(`${app}-subpath-dirs`);
        const wait = ran(`${app}-wait-bitcoind`);
        const started = nanoseconds(seen.get(`${app}-${app}`)!.State.StartedAt);
        expect(dirs.finished <= wait.started, `${app}: subpath-dirs done before wait-bitcoind started`).toBe(true);
        expect(wait.finished > answering, `${app}: wait-bitcoind done after bitcoind-ui started`).toBe(true);
        expect(wait.finished <= started, `${app}: wait-bitcoind done before ${app} started`).toBe(true);
      }
      const bitcoindDirs = ran('bitcoind-subpath-dirs');
      const copy = ran('bitcoind-files');
      expect(bitcoindDirs.finished <= copy.started, 'bitcoind: subpath-dirs done before files').toBe(true);

      // Each subPath a folder of its claim, made as podwarden makes them on its host (mode 0750).
      const folders = async (container: string, ...dirs: string[]) =>
        (await podman('exec', container, 'stat', '-c', '%F %a', ...dirs)).trim().split('\n');
      expect(await folders('btcpay-btcpay', '/data/plugins', '/data/config')).toEqual([
        'directory 750',
        'directory 750',
      ]);
      expect(await folders('electrs-electrs', '/data/db')).toEqual(['directory 750']);
      expect(await podman('exec', 'bitcoind-ui', 'cat', '/node/bitcoin.conf')).toContain('rpcuser=CHANGE-ME-RPC_USER');

      // podman 5.4.2 removes everything, then fails with "no such volume", once per pod after
      // bitcoind's here: only that error is let through, and what is left is checked below.
      const down = await host.exec(['podman', 'kube', 'down', '--force', files.catalog]);
      console.log(`kube down of the sample catalog on ${lane.id}: exit ${down.code}\n${down.stdout}${down.stderr}`);
      if (down.code !== 0) expect(new Set(down.stderr.trim().split('\n'))).toEqual(new Set(['Error: no such volume']));
      expect(await labelled('pod')).toEqual([]);
      expect(await labelled('container')).toEqual([]);
      expect(await labelled('volume')).toEqual([]);
      expect(await secretVolumes()).toEqual([]);
      expect((await podman('secret', 'ls', '--format', '{{.Name}}')).split('\n')).not.toContain('bitcoind-files');
    });
  },
);
