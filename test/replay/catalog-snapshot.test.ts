import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/manifest/catalog.js';
import { parseManifest } from '../../src/manifest/parse-manifest.js';
import {
  CatalogRedactionError,
  REDACTED_PATTERN,
  redactManifestText,
  secretRedactor,
  snapshotCatalog,
  writeCatalogSnapshot,
} from '../../src/replay/catalog-snapshot.js';
import { aliasPaths, pathAliases, unaliasPaths } from '../../src/replay/portable.js';

const MANIFEST = `# the owner's comment stays
app:
  id: node
  name: Bitcoin node
  version: 0.10
  container:
    image: 127.0.0.1:5000/podwarden/httpd:1
    env:
      RPC_PASSWORD: correct horse battery staple   # trailing comment
      QUOTED: "s3cr3t: with colon"
      RATIO: 1.50
      ENABLED: true
      CERT: |
        -----BEGIN KEY-----
        abcdef
      SAME_AS_PASSWORD: correct horse battery staple
    ports: ["8332:8332"]
`;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'podwarden-snapshot-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function manifestOf(text: string) {
  const parsed = parseManifest(text, 'node.yml');
  if (!('manifest' in parsed)) throw new Error(parsed.errors.map(String).join('; '));
  return parsed.manifest;
}

describe('redacting env values out of a manifest', () => {
  it('replaces every env value by its placeholder and leaves the rest of the text as it was', () => {
    const redact = secretRedactor();
    const redacted = redactManifestText(MANIFEST, 'node.yml', redact)!;
    for (const secret of ['correct horse battery staple', 's3cr3t', 'BEGIN KEY', 'abcdef'])
      expect(redacted).not.toContain(secret);
    expect(redacted).toContain("# the owner's comment stays");
    expect(redacted).toContain('version: 0.10');
    expect(redacted).toContain('# trailing comment');
    expect(redacted).toContain('ports: ["8332:8332"]');

    const before = manifestOf(MANIFEST);
    const after = manifestOf(redacted);
    expect({ ...after, container: { ...after.container, env: {} } }).toEqual({
      ...before,
      container: { ...before.container, env: {} },
    });
    // Each placeholder stands for the value the orchestrator would have put in the spec.
    for (const [key, value] of Object.entries(before.container.env)) {
      expect(after.container.env[key]).toBe(redact(value));
      expect(after.container.env[key]).toMatch(REDACTED_PATTERN);
    }
    expect(after.container.env.RATIO).toBe(redact('1.50'));
    expect(after.container.env.SAME_AS_PASSWORD).toBe(after.container.env.RPC_PASSWORD);
    expect(after.container.env.QUOTED).not.toBe(after.container.env.RPC_PASSWORD);
  });

  it('uses a key of its own per recording: placeholders cannot be compared across recordings or guessed', () => {
    expect(secretRedactor()('hunter2')).not.toBe(secretRedactor()('hunter2'));
  });

  it('keeps a manifest without env as it is, and leaves out one that is not YAML', () => {
    const plain = 'app:\n  id: web\n  name: web\n  version: "1"\n  container:\n    image: x.org/web:1\n';
    expect(redactManifestText(plain, 'web.yml', secretRedactor())).toBe(plain);
    expect(redactManifestText('app: [unclosed\n  env: {A: secret}', 'broken.yml', secretRedactor())).toBeNull();
  });

  it('refuses an env it cannot see into, naming the file', () => {
    const aliased =
      'base: &env {A: secret}\napp:\n  id: web\n  name: web\n  version: "1"\n  container:\n    image: x.org/web:1\n    env: *env\n';
    expect(() => redactManifestText(aliased, 'catalog/web.yml', secretRedactor())).toThrow(CatalogRedactionError);
    expect(() => redactManifestText(aliased, 'catalog/web.yml', secretRedactor())).toThrow(
      /^catalog\/web\.yml: app\.container\.env is not a plain mapping/,
    );
  });
});

describe('catalog snapshots', () => {
  it('holds the manifest files the catalog loader reads, redacted, and writes them back for a replay', async () => {
    const catalog = join(dir, 'catalog');
    await mkdir(join(catalog, 'sub'), { recursive: true });
    await writeFile(join(catalog, 'node.yml'), MANIFEST);
    await writeFile(join(catalog, 'broken.yaml'), 'app: [unclosed\n');
    await writeFile(join(catalog, '.node.yml.swp'), 'editor backup');
    await writeFile(join(catalog, 'README.md'), 'not a manifest');
    await writeFile(join(catalog, 'sub', 'other.yml'), MANIFEST);

    const snapshot = await snapshotCatalog(catalog, secretRedactor());
    expect(Object.keys(snapshot)).toEqual(['broken.yaml', 'node.yml']);
    expect(snapshot['broken.yaml']).toBeNull();
    expect(snapshot['node.yml']).not.toContain('correct horse');

    const replayed = join(dir, 'replayed');
    await writeCatalogSnapshot(replayed, snapshot);
    const loaded = await loadCatalog(replayed);
    expect([...loaded.apps.keys()]).toEqual(['node']);
    // The file left out is still an error where it was, as it was live.
    expect(loaded.errors.map((error) => error.file)).toEqual([join(replayed, 'broken.yaml')]);

    // A later snapshot replaces the files: the ones gone are removed.
    await writeCatalogSnapshot(replayed, { 'node.yml': snapshot['node.yml']! });
    expect((await loadCatalog(replayed)).errors).toEqual([]);
    expect(await readFile(join(replayed, 'node.yml'), 'utf8')).toBe(snapshot['node.yml']);
  });

  it('never records a file a link leads to outside the catalog: it is withheld, as the catalog refuses it', async () => {
    const catalog = join(dir, 'catalog');
    await mkdir(catalog, { recursive: true });
    await writeFile(join(dir, 'outside.yml'), 'stolen: the content of a file outside the catalog\n');
    await symlink(join(dir, 'outside.yml'), join(catalog, 'zz.yml'));
    const snapshot = await snapshotCatalog(catalog, secretRedactor());
    expect(snapshot).toEqual({ 'zz.yml': null });
  });
});

describe('path aliases', () => {
  const aliases = pathAliases({ catalogDir: '/srv/podwarden/catalog', dataDir: '/var/lib/podwarden/apps' });

  it('replaces the session directories wherever a path starts with them, and only there', () => {
    const alias = aliasPaths(aliases);
    expect(alias('/var/lib/podwarden/apps/node/data')).toBe('$DATA/node/data');
    expect(alias('/var/lib/podwarden/apps')).toBe('$DATA');
    expect(alias('mkdir /var/lib/podwarden/apps/node: permission denied')).toBe('mkdir $DATA/node: permission denied');
    expect(alias('/var/lib/podwarden/apps-old/x')).toBe('/var/lib/podwarden/apps-old/x');
    expect(alias('/srv/podwarden/catalog/build/ctx')).toBe('$CATALOG/build/ctx');
  });

  it("maps aliases back onto another session's directories", () => {
    const replayAliases = pathAliases({ catalogDir: '/tmp/r/catalog', dataDir: '/tmp/r/data' });
    expect(unaliasPaths(replayAliases)(aliasPaths(aliases)('/var/lib/podwarden/apps/node/data'))).toBe(
      '/tmp/r/data/node/data',
    );
  });
});
