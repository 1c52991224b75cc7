import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { LABELS } from '../../src/domain/labels.js';
import { loadCatalog } from '../../src/manifest/catalog.js';
import { parseManifest } from '../../src/manifest/parse-manifest.js';
import { DEFAULT_STOP_TIMEOUT_SECONDS, specHash, toContainerSpec } from '../../src/manifest/container-spec.js';
import type { AppManifest } from '../../src/manifest/schema.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ctx = { instance: 'home', namePrefix: 'podwarden-', appDataDir: '/var/lib/podwarden/apps/electrs' };

function parse(text: string): AppManifest {
  const result = parseManifest(text, '/srv/catalog/electrs.yml');
  if ('errors' in result) throw new Error(result.errors.join('\n'));
  return result.manifest;
}

const full = parse(`app:
  id: electrs
  name: Electrs
  version: "0.10.5"
  container:
    image: 127.0.0.1:5000/podwarden/httpd:1
    command: [sh, -c, "exec httpd"]
    entrypoint: [/bin/sh]
    env: { APP_NAME: Electrs, PORT: 50001 }
    ports: ["127.0.0.1:3002:8080", "50001:50001/udp"]
    volumes: ["db:/data/db", "./conf:/etc/electrs:ro", ".:/data/all", "/srv/bitcoin:/bitcoin:ro"]
    tmpfs: [/tmp]
    network: podwarden
    user: "1000:1000"
    capAdd: [NET_ADMIN]
    stopTimeout: 1500ms
    healthcheck: { test: [CMD-SHELL, "true"], interval: 10s, timeout: 500ms, retries: 2, startPeriod: 1m }
`);

describe('toContainerSpec', () => {
  it('builds the container podwarden runs for an app', () => {
    const spec = toContainerSpec(full, ctx);
    expect(spec).toEqual({
      name: 'podwarden-electrs',
      image: '127.0.0.1:5000/podwarden/httpd:1',
      command: ['sh', '-c', 'exec httpd'],
      entrypoint: ['/bin/sh'],
      env: { APP_NAME: 'Electrs', PORT: '50001' },
      labels: {
        [LABELS.owner]: 'home',
        [LABELS.app]: 'electrs',
        [LABELS.role]: 'app',
        [LABELS.specHash]: expect.stringMatching(/^[0-9a-f]{16}$/),
      },
      ports: [
        { hostIp: '127.0.0.1', hostPort: 3002, containerPort: 8080, protocol: 'tcp' },
        { hostPort: 50001, containerPort: 50001, protocol: 'udp' },
      ],
      mounts: [
        { source: 'podwarden-electrs-db', target: '/data/db', readOnly: false },
        { source: '/var/lib/podwarden/apps/electrs/conf', target: '/etc/electrs', readOnly: true },
        { source: '/var/lib/podwarden/apps/electrs', target: '/data/all', readOnly: false },
        { source: '/srv/bitcoin', target: '/bitcoin', readOnly: true },
      ],
      tmpfs: ['/tmp'],
      network: 'podwarden',
      user: '1000:1000',
      capAdd: ['NET_ADMIN'],
      stopTimeoutSeconds: 2,
      healthcheck: {
        test: ['CMD-SHELL', 'true'],
        intervalSeconds: 10,
        timeoutSeconds: 0.5,
        retries: 2,
        startPeriodSeconds: 60,
      },
    });
    expect(spec.labels[LABELS.specHash]).toBe(specHash(spec));
  });

  it('leaves optional settings out when the manifest has none', () => {
    const spec = toContainerSpec(
      parse('app:\n  id: tiny\n  name: Tiny\n  version: "1"\n  container:\n    image: nginx\n'),
      { ...ctx, appDataDir: '/d/tiny' },
    );
    expect(Object.keys(spec).sort()).toEqual([
      'capAdd',
      'env',
      'image',
      'labels',
      'mounts',
      'name',
      'ports',
      'stopTimeoutSeconds',
      'tmpfs',
    ]);
    // Always set: podman's compat API would otherwise create it with 0, and every stop would be a SIGKILL.
    expect(spec.stopTimeoutSeconds).toBe(DEFAULT_STOP_TIMEOUT_SECONDS);
  });

  it('runs the build tag for built apps', () => {
    const built = parse(
      'app:\n  id: mine\n  name: Mine\n  version: "2.0"\n  container:\n    build: { context: ./mine }\n',
    );
    expect(toContainerSpec(built, ctx).image).toBe('localhost/podwarden-build/mine:2.0');
  });

  it('resolves a relative data directory to an absolute one', () => {
    const spec = toContainerSpec(full, { ...ctx, appDataDir: 'data/electrs' });
    expect(spec.mounts[1]!.source).toBe(path.resolve('data/electrs/conf'));
  });

  it('gives each app its own named volumes', () => {
    const other = parse(
      'app:\n  id: btcpay\n  name: B\n  version: "1"\n  container:\n    image: nginx\n    volumes: ["db:/data/db"]\n',
    );
    expect(toContainerSpec(other, ctx).mounts[0]!.source).toBe('podwarden-btcpay-db');
    expect(toContainerSpec(full, ctx).mounts[0]!.source).toBe('podwarden-electrs-db');
  });

  it('does not share state with the manifest', () => {
    const spec = toContainerSpec(full, ctx);
    spec.env.APP_NAME = 'changed';
    spec.ports[0]!.hostPort = 1;
    spec.command!.push('x');
    expect(full.container.env.APP_NAME).toBe('Electrs');
    expect(full.container.ports[0]!.hostPort).toBe(3002);
    expect(full.container.command).toEqual(['sh', '-c', 'exec httpd']);
  });
});

describe('specHash', () => {
  it('is the same for the same manifest, whatever the key order', () => {
    const a = toContainerSpec(full, ctx);
    const b = toContainerSpec(full, ctx);
    expect(a.labels[LABELS.specHash]).toBe(b.labels[LABELS.specHash]);
    const reversed = Object.fromEntries(Object.entries(a).reverse()) as typeof a;
    reversed.env = Object.fromEntries(Object.entries(a.env).reverse());
    reversed.labels = Object.fromEntries(Object.entries(a.labels).reverse());
    expect(specHash(reversed)).toBe(specHash(a));
  });

  it('ignores the spec-hash label itself', () => {
    const spec = toContainerSpec(full, ctx);
    const stale = { ...spec, labels: { ...spec.labels, [LABELS.specHash]: '0000000000000000' } };
    const unlabelled = { ...spec, labels: { ...spec.labels } };
    delete unlabelled.labels[LABELS.specHash];
    expect(specHash(stale)).toBe(spec.labels[LABELS.specHash]);
    expect(specHash(unlabelled)).toBe(spec.labels[LABELS.specHash]);
  });

  it('changes with anything that changes the container', () => {
    const base = toContainerSpec(full, ctx);
    const hash = base.labels[LABELS.specHash];
    const variants = [
      { ...base, image: '127.0.0.1:5000/podwarden/httpd:2' },
      { ...base, env: { ...base.env, PORT: '50002' } },
      { ...base, ports: [{ ...base.ports[0]!, hostPort: 3003 }, base.ports[1]!] },
      { ...base, mounts: base.mounts.map((m, i) => (i === 1 ? { ...m, readOnly: false } : m)) },
      { ...base, command: undefined },
      { ...base, tmpfs: [] },
      { ...base, stopTimeoutSeconds: 3 },
      { ...base, healthcheck: { ...base.healthcheck!, retries: 5 } },
      { ...base, labels: { ...base.labels, [LABELS.owner]: 'other' } },
      toContainerSpec(full, { ...ctx, appDataDir: '/elsewhere' }),
      toContainerSpec(full, { ...ctx, namePrefix: 'pw-' }),
    ];
    const hashes = variants.map((v) => specHash(v));
    for (const h of hashes) expect(h).not.toBe(hash);
    expect(new Set(hashes).size).toBe(hashes.length);
  });

  // A child node + tsx process: seconds on a loaded machine, so more than the project's 10 s.
  it('is the same in another process (nothing depends on run-time state)', { timeout: 60_000 }, async () => {
    const catalog = await loadCatalog(path.join(repo, 'examples/catalog'));
    const here = Object.fromEntries(
      [...catalog.apps.values()].map((e) => [
        e.manifest.id,
        toContainerSpec(e.manifest, { ...ctx, appDataDir: `/d/${e.manifest.id}` }).labels[LABELS.specHash],
      ]),
    );
    const script = `
      import { loadCatalog } from './src/manifest/catalog.ts';
      import { toContainerSpec } from './src/manifest/container-spec.ts';
      const catalog = await loadCatalog('examples/catalog');
      const out = {};
      for (const e of catalog.apps.values()) {
        out[e.manifest.id] = toContainerSpec(e.manifest, { ...${JSON.stringify(ctx)}, appDataDir: '/d/' + e.manifest.id }).labels['io.podwarden.spec-hash'];
      }
      console.log(JSON.stringify(out));
    `;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      {
        cwd: repo,
        env: { ...process.env, TZ: 'Pacific/Kiritimati', LANG: 'tr_TR.UTF-8' },
      },
    );
    expect(JSON.parse(stdout)).toEqual(here);
    expect(Object.keys(here).sort()).toEqual(['bitcoind', 'btcpay', 'electrs', 'mempool']);
  });

  it('is pinned: changing how specs are hashed recreates every container podwarden runs', () => {
    // If this fails because the canonical form changed on purpose, update the value and say in
    // the release notes that existing containers will be recreated once.
    const spec = toContainerSpec(
      parse(
        'app:\n  id: pinned\n  name: Pinned\n  version: "1"\n  container:\n    image: nginx:1.27\n    ports: ["8080:80"]\n    env: { A: b }\n',
      ),
      { instance: 'home', namePrefix: 'pw-', appDataDir: '/d/pinned' },
    );
    expect(spec.labels[LABELS.specHash]).toBe('b74e7425be7422cc');
  });
});
