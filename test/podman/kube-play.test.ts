import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { exportKube, kubeYaml, type KubeExportOptions } from '../../src/export/export-kube.js';
import { loadCatalog } from '../../src/manifest/catalog.js';
import { validateAgainstSchema } from '../export/kube-schema.js';
import { freePort } from '../support/free-port.js';
import { until } from '../support/until.js';
import { podman, podmanOutput } from './support/podman-cli.js';

// The sample catalog, exported for podman, run by `podman kube play` on this machine's podman
// 4.3: every app's containers run, the exec probes podman maps become health checks that pass,
// one app reaches another by its name, the ports answer, and `podman kube down` cleans up.
// Everything made here carries TEST_LABEL (pods, containers, volumes), and the network has its
// own name: scripts/clean-test-state.sh removes what a killed run leaves.

const TEST_LABEL = 'io.podwarden.test';
const TEST_VALUE = 'kube-play';
const NETWORK = 'podwarden-test-kube';
const SAMPLE = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../examples/catalog');
const APPS = ['bitcoind', 'btcpay', 'electrs', 'mempool'];

let work: string;
/** Sample host port → the free one this run publishes instead (a running demo keeps its own). */
const ports = new Map<number, number>();

/** The sample catalog with its host ports moved to free ones. */
async function sampleCatalogCopy(): Promise<string> {
  const dir = path.join(work, 'catalog');
  await cp(SAMPLE, dir, { recursive: true });
  for (const name of await readdir(dir)) {
    const file = path.join(dir, name);
    let text = await readFile(file, 'utf8');
    for (const port of [3001, 3002, 3003, 3006]) {
      if (!ports.has(port)) ports.set(port, await freePort());
      text = text.replace(new RegExp(`\\b${port}\\b`, 'g'), String(ports.get(port)));
    }
    await writeFile(file, text);
  }
  return dir;
}

async function exportTo(file: string, options: KubeExportOptions): Promise<string> {
  const catalog = await loadCatalog(await sampleCatalogCopy());
  expect(catalog.errors.map(String)).toEqual([]);
  const { documents } = await exportKube(
    [...catalog.apps.values()].map((entry) => entry.manifest),
    {
      ...options,
      target: 'podman',
      labels: { [TEST_LABEL]: TEST_VALUE },
    },
  );
  validateAgainstSchema(documents);
  const target = path.join(work, file);
  await writeFile(target, kubeYaml(documents));
  return target;
}

async function removeLeftovers(): Promise<void> {
  const pods = (await podman(['pod', 'ps', '-q', '--filter', `label=${TEST_LABEL}=${TEST_VALUE}`]))
    .split(/\s+/)
    .filter(Boolean);
  if (pods.length > 0) await podman(['pod', 'rm', '--force', ...pods]);
  const volumes = (await podman(['volume', 'ls', '-q', '--filter', `label=${TEST_LABEL}=${TEST_VALUE}`]))
    .split(/\s+/)
    .filter(Boolean);
  if (volumes.length > 0) await podman(['volume', 'rm', '--force', ...volumes]);
}

interface ContainerState {
  Name: string;
  State: { Status: string; Health?: { Status: string } };
  Config: { Healthcheck?: { Test: string[] } };
}

async function inspect(name: string): Promise<ContainerState> {
  const [state] = JSON.parse(await podman(['container', 'inspect', name])) as ContainerState[];
  return state!;
}

/** Runs the container's health check now (podman cannot schedule it here without systemd) and says whether it passed. */
async function healthy(name: string): Promise<boolean> {
  return podmanOutput(['healthcheck', 'run', name]).then(
    () => true,
    () => false,
  );
}

/** The container names of `pod`, as podman kube play made them. */
async function containersOf(pod: string): Promise<string[]> {
  const out = await podman(['ps', '-a', '--filter', `pod=${pod}`, '--format', '{{.Names}}']);
  return out.split('\n').filter((name) => name !== '' && !name.endsWith('-infra'));
}

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'podwarden-kube-play-'));
  await removeLeftovers();
  const networks = await podman(['network', 'ls', '--format', '{{.Name}}']);
  // A network with DNS: pods find each other by name, as Services make them findable in a cluster.
  if (!networks.split('\n').includes(NETWORK)) await podman(['network', 'create', NETWORK]);
});

// A failed play leaves pods and volumes behind, which the next play would trip over.
afterEach(removeLeftovers);

afterAll(async () => {
  await podmanOutput(['network', 'rm', '--force', NETWORK]).catch(() => undefined);
  await rm(work, { recursive: true, force: true });
});

describe('podman kube play of the exported sample catalog', () => {
  const cases: Array<[string, KubeExportOptions, (app: string) => string]> = [
    ['as Pods', { pods: true }, (app) => app],
    // podman 4.3 names a Deployment's one pod <name>-pod-0.
    ['as Deployments', { pods: false }, (app) => `${app}-pod-0`],
  ];
  for (const [how, options, podName] of cases) {
    it(`${how}: every app runs, its probes are health checks that pass, apps find each other by name; kube down cleans up`, async () => {
      const file = await exportTo(`sample-${options.pods ? 'pods' : 'deployments'}.yml`, options);
      // The sample registry is plain HTTP on loopback.
      await podman(['kube', 'play', '--tls-verify=false', '--network', NETWORK, file]);

      for (const app of APPS) {
        const containers = await containersOf(podName(app));
        expect(containers.length, `containers of ${podName(app)}`).toBeGreaterThan(0);
        for (const name of containers) {
          await until(`${name} running`, async () => (await inspect(name)).State.Status === 'running', 30_000);
        }
      }
      // The sample apps with a healthcheck: podman made it the container's health check, and it passes.
      for (const app of ['btcpay', 'electrs', 'mempool']) {
        const name = `${podName(app)}-${app}`;
        expect((await inspect(name)).Config.Healthcheck?.Test[0]).toBe('CMD-SHELL');
        await until(`${name}'s health check to pass`, () => healthy(name), 60_000, 500);
      }
      // electrs reaches bitcoind's pod by its name, as its env (bitcoind:38332) expects in a cluster.
      if (options.pods) {
        const page = await until(
          'electrs to reach bitcoind by name',
          () =>
            podman(['exec', 'electrs-electrs', 'sh', '-c', 'timeout 3 wget -q -O - http://bitcoind:8080/']).catch(
              () => undefined,
            ),
          30_000,
          250,
        );
        expect(page).toContain('Bitcoin node explorer');
      }
      // The published ports answer on the host, as under podwarden.
      const ui = await until(
        'the bitcoind UI on its published port',
        () =>
          fetch(`http://127.0.0.1:${ports.get(3001)}/`, { signal: AbortSignal.timeout(2_000) }).catch(() => undefined),
        30_000,
        250,
      );
      expect(await ui.text()).toContain('Bitcoin node explorer');
      // The data claim became a named volume carrying the export's labels.
      const volumes = await podman(['volume', 'ls', '-q', '--filter', `label=${TEST_LABEL}=${TEST_VALUE}`]);
      expect(volumes.split('\n').filter(Boolean).sort()).toEqual(['bitcoind-data', 'btcpay-data', 'electrs-data']);

      await podman(['kube', 'down', file]);
      const left = await podman(['pod', 'ps', '-q', '--filter', `label=${TEST_LABEL}=${TEST_VALUE}`]);
      expect(left.trim()).toBe('');
    });
  }
});
