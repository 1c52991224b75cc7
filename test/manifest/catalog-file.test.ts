import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readCatalogFile } from '../../src/manifest/catalog-file.js';

let root: string;
let catalog: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'podwarden-catalog-file-'));
  catalog = join(root, 'catalog');
  await mkdir(catalog);
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const read = (name: string, maxBytes = 1024) => readCatalogFile(catalog, join(catalog, name), maxBytes);

describe('reading one catalog entry', () => {
  it('reads a file, and a link that stays inside the catalog', async () => {
    await writeFile(join(catalog, 'a.yml'), 'app: {}\n');
    await symlink(join(catalog, 'a.yml'), join(catalog, 'link.yml'));
    for (const name of ['a.yml', 'link.yml'])
      expect(new TextDecoder().decode(((await read(name)) as { bytes: Uint8Array }).bytes)).toBe('app: {}\n');
  });

  it('refuses a link out of the catalog without saying where it leads', async () => {
    await writeFile(join(root, 'secret'), 'the content');
    await symlink(join(root, 'secret'), join(catalog, 'zz.yml'));
    const result = await read('zz.yml');
    expect(result && 'error' in result && String(result.error)).toBe(
      `${join(catalog, 'zz.yml')}: is a symbolic link that leads outside the catalog; podwarden reads only files inside the catalog`,
    );
  });

  it('refuses a file over the cap from its size, without reading it', async () => {
    await writeFile(join(catalog, 'huge.yml'), 'app:');
    await truncate(join(catalog, 'huge.yml'), 50 * 1024 * 1024);
    const result = await read('huge.yml');
    expect(result && 'error' in result && result.error.message).toBe(
      'the file is 50 MiB; a manifest may be at most 1 KiB (--manifest-max-bytes), so it is not read',
    );
  });

  it('passes over a FIFO named like a manifest instead of waiting on it forever', async () => {
    await promisify(execFile)('mkfifo', [join(catalog, 'pipe.yml')]);
    expect(await read('pipe.yml')).toBeUndefined();
    await symlink(join(catalog, 'pipe.yml'), join(catalog, 'pipe-link.yml'));
    expect(await read('pipe-link.yml')).toBeUndefined();
  });
});
