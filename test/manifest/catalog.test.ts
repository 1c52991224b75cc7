import { cp, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadCatalog, manifestHash } from '../../src/manifest/catalog.js';
import { parseManifest } from '../../src/manifest/parse-manifest.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const examples = path.join(repo, 'examples/catalog');
const broken = path.join(repo, 'examples/broken-catalog');

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'podwarden-catalog-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function manifest(id: string, extra = ''): string {
  return `app:\n  id: ${id}\n  name: ${id}\n  version: "1.0.0"\n  container:\n    image: 127.0.0.1:5000/podwarden/httpd:1\n${extra}`;
}

describe('loadCatalog', () => {
  it('loads the sample catalog without errors', async () => {
    const catalog = await loadCatalog(examples);
    expect(catalog.errors.map(String)).toEqual([]);
    expect([...catalog.apps.keys()]).toEqual(['bitcoind', 'btcpay', 'electrs', 'mempool']);

    const electrs = catalog.apps.get('electrs')!;
    expect(electrs.file).toBe(path.join(examples, 'electrs.yml'));
    expect(electrs.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(electrs.manifest.container.ports).toEqual([
      { hostIp: '127.0.0.1', hostPort: 3002, containerPort: 8080, protocol: 'tcp' },
    ]);
    expect(electrs.manifest.container.env.APP_NAME).toBe('Electrs');

    const bitcoind = catalog.apps.get('bitcoind')!.manifest;
    expect(bitcoind.container.image).toBe('127.0.0.1:5000/podwarden/sleeper:1');
    expect(bitcoind.container.volumes).toEqual([
      { kind: 'app-data', source: 'data', target: '/data', readOnly: false },
    ]);
    expect(bitcoind.container.env.BITCOIN_RPC_USER).toBeDefined();

    expect(catalog.apps.get('btcpay')!.manifest.container.ports[0]).toMatchObject({
      hostIp: '127.0.0.1',
      hostPort: 3003,
    });
    const mempool = catalog.apps.get('mempool')!.manifest;
    expect(mempool.container.image).toBe('127.0.0.1:5000/podwarden/slowstart:1');
    expect(mempool.container.env.SLOW_SECONDS).toBe('3');
    expect(mempool.container.ports[0]).toMatchObject({ hostIp: '127.0.0.1', hostPort: 3006, containerPort: 8080 });
  });

  it('reports every broken sample with its file and field', async () => {
    const catalog = await loadCatalog(broken);
    expect(catalog.apps.size).toBe(0);
    const lines = catalog.errors.map(String);
    const rel = (name: string) => path.join(broken, name);
    expect(lines).toContain(
      `${rel('bad-port.yml')}: app.container.ports[0]: expected "HOST:CONTAINER[/PROTO]", got "3007"`,
    );
    expect(lines.some((l) => l.startsWith(`${rel('syntax-error.yml')}: line `))).toBe(true);
    expect(lines).toContain(
      `${rel('unknown-field.yml')}: app.container.imge: unknown field "imge" (did you mean "image"?)`,
    );
    expect(lines).toContain(`${rel('unknown-field.yml')}: app.container.restart: unknown field "restart"`);
    expect(new Set(catalog.errors.map((e) => e.file))).toEqual(
      new Set([rel('bad-port.yml'), rel('syntax-error.yml'), rel('unknown-field.yml')]),
    );
  });

  it('loads the good files of a catalog that also has broken ones', async () => {
    await cp(examples, dir, { recursive: true });
    await cp(broken, dir, { recursive: true });
    const catalog = await loadCatalog(dir);
    expect([...catalog.apps.keys()]).toEqual(['bitcoind', 'btcpay', 'electrs', 'mempool']);
    expect(new Set(catalog.errors.map((e) => path.basename(e.file)))).toEqual(
      new Set(['bad-port.yml', 'syntax-error.yml', 'unknown-field.yml']),
    );
  });

  it('reads .yml and .yaml files in name order and skips everything else', async () => {
    await writeFile(path.join(dir, 'b.yaml'), manifest('bravo'));
    await writeFile(path.join(dir, 'a.yml'), manifest('alpha'));
    await writeFile(path.join(dir, 'C.YML'), manifest('charlie'));
    await writeFile(path.join(dir, 'notes.txt'), 'not a manifest');
    await writeFile(path.join(dir, 'a.yml.bak'), 'app: [');
    await writeFile(path.join(dir, '.hidden.yml'), 'app: [');
    await mkdir(path.join(dir, 'folder.yml'));
    await writeFile(path.join(dir, 'folder.yml', 'inner.yml'), manifest('inner'));
    await symlink(path.join(dir, 'a.yml'), path.join(dir, 'link.yml'));
    await mkdir(path.join(dir, 'ignored'));

    const catalog = await loadCatalog(dir);
    // link.yml is a second file claiming alpha (a link inside the catalog is read like a file):
    // alpha is not installed, so neither file speaks for it.
    expect([...catalog.apps.keys()]).toEqual(['charlie', 'bravo']);
    expect(catalog.errors.map(String)).toEqual([
      `${path.join(dir, 'a.yml')}: app.id: "alpha" is also claimed by ${path.join(dir, 'link.yml')}; while several files claim one app, none of them is used (keep one)`,
      `${path.join(dir, 'link.yml')}: app.id: "alpha" is also claimed by ${path.join(dir, 'a.yml')}; while several files claim one app, none of them is used (keep one)`,
    ]);
  });

  it('keeps relative paths as given', async () => {
    const relative = path.relative(process.cwd(), broken);
    const catalog = await loadCatalog(relative);
    expect(catalog.errors.every((e) => e.file.startsWith(`${relative}${path.sep}`))).toBe(true);
  });

  it('turns a missing, non-directory or unreadable catalog into one error', async () => {
    const missing = path.join(dir, 'nope');
    expect((await loadCatalog(missing)).errors.map(String)).toEqual([
      `${missing}: cannot read the catalog directory: it does not exist`,
    ]);

    const file = path.join(dir, 'file.yml');
    await writeFile(file, manifest('a'));
    const notDir = await loadCatalog(file);
    expect(notDir.apps.size).toBe(0);
    expect(notDir.errors.map(String)).toEqual([`${file}: the catalog is not a directory`]);
  });

  it('reports an unreadable manifest and loads the rest', async () => {
    await writeFile(path.join(dir, 'good.yml'), manifest('good'));
    // A dangling symlink: reading it fails whoever runs the test (root ignores file modes).
    await symlink(path.join(dir, 'gone.yml'), path.join(dir, 'dangling.yml'));
    const catalog = await loadCatalog(dir);
    expect([...catalog.apps.keys()]).toEqual(['good']);
    expect(catalog.errors.map(String)).toEqual([`${path.join(dir, 'dangling.yml')}: cannot read: it does not exist`]);
  });

  it('an empty catalog is valid', async () => {
    expect(await loadCatalog(dir)).toEqual({ apps: new Map(), errors: [], problems: new Map() });
  });
});

describe('manifest hash', () => {
  it('is the same for the same meaning and changes with the manifest', () => {
    const parse = (text: string) => {
      const result = parseManifest(text, 'c/a.yml');
      if ('errors' in result) throw new Error(result.errors.join('\n'));
      return result.manifest;
    };
    const a = parse(manifest('a', '    env: { X: "1", Y: "2" }\n    ports: ["8080:80"]\n'));
    const reordered = parse(
      `app:\n  container:\n    ports: [{ host: 8080, container: 80 }]\n    env: { Y: 2, X: 1 }\n    image: 127.0.0.1:5000/podwarden/httpd:1\n  version: "1.0.0"\n  name: a\n  id: a\n`,
    );
    expect(manifestHash(reordered)).toBe(manifestHash(a));
    const changed = parse(manifest('a', '    env: { X: "1", Y: "3" }\n    ports: ["8080:80"]\n'));
    expect(manifestHash(changed)).not.toBe(manifestHash(a));
  });
});
