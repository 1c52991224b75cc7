import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LABELS } from '../../src/domain/labels.js';
import { loadCatalog } from '../../src/manifest/catalog.js';
import { parseManifest } from '../../src/manifest/parse-manifest.js';
import { toCompanionContainerSpec, toContainerSpec } from '../../src/manifest/container-spec.js';
import type { AppManifest } from '../../src/manifest/schema.js';

const FILE = 'catalog/lnd.yml';
const IMAGE = '127.0.0.1:5000/podwarden/httpd:1';

function yamlOf(app: Record<string, unknown>): string {
  return stringify({ app: { id: 'lnd', name: 'LND', version: '0.18', container: { image: IMAGE }, ...app } });
}

function parsed(app: Record<string, unknown>): AppManifest {
  const result = parseManifest(yamlOf(app), FILE);
  if ('errors' in result) throw new Error(result.errors.join('\n'));
  return result.manifest;
}

function errorsOf(app: Record<string, unknown>): string[] {
  const result = parseManifest(yamlOf(app), FILE);
  return 'errors' in result ? result.errors.map(String) : [];
}

describe('companions in a manifest', () => {
  it('are read with the same container fields as the app', () => {
    const manifest = parsed({
      companions: [
        {
          id: 'ui',
          container: { image: IMAGE, ports: ['127.0.0.1:3010:8080'], env: { MODE: 1 }, capAdd: ['NET_ADMIN'] },
        },
        { id: 'exporter', name: 'Exporter', container: { build: { context: './exporter' }, network: 'host' } },
      ],
    });
    expect(manifest.companions).toHaveLength(2);
    expect(manifest.companions[0]!.container.ports).toEqual([
      { hostIp: '127.0.0.1', hostPort: 3010, containerPort: 8080, protocol: 'tcp' },
    ]);
    expect(manifest.companions[0]!.container.env).toEqual({ MODE: '1' });
    expect(manifest.companions[1]!.container.image).toBe('localhost/podwarden-build/lnd-exporter:0.18');
    expect(manifest.companions[1]!.container.build?.context).toBe(path.resolve('catalog', 'exporter'));
  });

  it('are named and labelled as the app’s companions, sharing its data', () => {
    const manifest = parsed({
      container: { image: IMAGE, volumes: ['./data:/data'] },
      companions: [{ id: 'ui', container: { image: IMAGE, volumes: ['./data:/lnd:ro', 'macaroons:/m'] } }],
    });
    const ctx = { instance: 'podwarden', namePrefix: 'podwarden-', appDataDir: '/var/lib/pw/apps/lnd' };
    const app = toContainerSpec(manifest, ctx);
    const ui = toCompanionContainerSpec(manifest, manifest.companions[0]!, ctx);
    expect(ui.name).toBe('podwarden-lnd-ui');
    expect(ui.labels).toMatchObject({
      [LABELS.owner]: 'podwarden',
      [LABELS.app]: 'lnd',
      [LABELS.role]: 'companion',
      [LABELS.companion]: 'ui',
    });
    expect(ui.labels[LABELS.specHash]).toMatch(/^[0-9a-f]{16}$/);
    expect(ui.labels[LABELS.specHash]).not.toBe(app.labels[LABELS.specHash]);
    expect(ui.mounts).toEqual([
      { source: '/var/lib/pw/apps/lnd/data', target: '/lnd', readOnly: true },
      { source: 'podwarden-lnd-macaroons', target: '/m', readOnly: false },
    ]);
  });

  it('reports bad companions with the field that is wrong', () => {
    expect(errorsOf({ companions: [{ id: 'UI', container: { image: IMAGE } }] })).toEqual([
      `${FILE}: app.companions[0].id: "UI" is not a valid companion id (lower-case letters, digits and "-", starting with a letter, at most 40 characters)`,
    ]);
    expect(errorsOf({ companions: [{ id: 'ui', container: { image: IMAGE, port: [] } }] })[0]).toContain(
      'app.companions[0].container',
    );
    expect(errorsOf({ companions: [{ id: 'ui', container: {} }] })).toEqual([
      `${FILE}: app.companions[0].container: one of "image" or "build" is required, found neither`,
    ]);
    expect(
      errorsOf({
        companions: [
          { id: 'ui', container: { image: IMAGE } },
          { id: 'ui', container: { image: IMAGE } },
        ],
      }),
    ).toEqual([`${FILE}: app.companions[1].id: duplicate companion id "ui": companions[0] already uses it`]);
  });
});

describe('dependencies in a manifest', () => {
  it('are a list of app ids, empty by default', () => {
    expect(parsed({}).dependsOn).toEqual([]);
    expect(parsed({ dependsOn: ['bitcoind'] }).dependsOn).toEqual(['bitcoind']);
  });

  it('refuse the app itself, repeats and bad ids', () => {
    expect(errorsOf({ dependsOn: ['lnd'] })).toEqual([`${FILE}: app.dependsOn[0]: an app cannot depend on itself`]);
    expect(errorsOf({ dependsOn: ['bitcoind', 'bitcoind'] })).toEqual([
      `${FILE}: app.dependsOn[1]: "bitcoind" is listed twice`,
    ]);
    expect(errorsOf({ dependsOn: ['Bitcoin Core'] })[0]).toContain('app.dependsOn[0]');
  });
});

describe('a catalog with dependency cycles', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'podwarden-cycles-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function write(id: string, dependsOn: string[]): Promise<void> {
    await writeFile(
      path.join(dir, `${id}.yml`),
      stringify({ app: { id, name: id, version: '1', dependsOn, container: { image: IMAGE } } }),
    );
  }

  it('rejects every app on a cycle, naming the cycle and its files, and keeps the others', async () => {
    await write('a', ['b']);
    await write('b', ['c']);
    await write('c', ['a']);
    await write('d', ['a']);
    await write('e', ['not-in-catalog']);
    const catalog = await loadCatalog(dir);
    expect([...catalog.apps.keys()].sort()).toEqual(['d', 'e']);
    const files = ['a', 'b', 'c'].map((id) => path.join(dir, `${id}.yml`)).join(', ');
    expect(catalog.errors.map(String)).toEqual([
      `${path.join(dir, 'a.yml')}: app.dependsOn[0]: dependency cycle a → b → c → a (${files}): none of these apps could ever start`,
      `${path.join(dir, 'b.yml')}: app.dependsOn[0]: dependency cycle a → b → c → a (${files}): none of these apps could ever start`,
      `${path.join(dir, 'c.yml')}: app.dependsOn[0]: dependency cycle a → b → c → a (${files}): none of these apps could ever start`,
    ]);
  });
});
