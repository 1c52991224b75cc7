import { mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RenderError, renderFiles, type RenderJob } from '../../src/effects/render-files.js';
import { capturedLog } from '../support/captured-log.js';

const SECRET = 'hunter2-rotated';
let root: string;
let dataDir: string;
let valuesFile: string;
let log: ReturnType<typeof capturedLog>;

function job(overrides: Partial<RenderJob> = {}): RenderJob {
  return {
    owner: 'bitcoind',
    manifestFile: 'catalog/bitcoind.yml',
    dataDir,
    valuesFile,
    files: [{ path: 'conf/bitcoin.conf', template: 'rpcuser={{RPC_USER}}\nrpcpassword={{RPC_PASSWORD}}\n' }],
    ...overrides,
  };
}

async function failure(promise: Promise<unknown>): Promise<RenderError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(RenderError);
    return error as RenderError;
  }
  throw new Error('expected the render to fail');
}

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'podwarden-render-'));
  dataDir = join(root, 'apps', 'bitcoind');
  valuesFile = join(root, 'secrets', 'bitcoind.env');
  await mkdir(join(root, 'secrets'));
  await writeFile(valuesFile, `RPC_USER=node\nRPC_PASSWORD=${SECRET}\n`);
  log = capturedLog();
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('renderFiles', () => {
  it('writes the rendered file (mode 0600, folders made) and says it changed; logs the path, never the content', async () => {
    const outcome = await renderFiles(job(), { log: log.logger });
    expect(outcome).toEqual({ changed: true, written: ['conf/bitcoin.conf'] });
    const target = join(dataDir, 'conf/bitcoin.conf');
    expect(await readFile(target, 'utf8')).toBe(`rpcuser=node\nrpcpassword=${SECRET}\n`);
    expect((await stat(target)).mode & 0o777).toBe(0o600);
    expect(log.text()).toContain('rendered file changed');
    expect(log.text()).toContain(target);
    expect(log.text()).not.toContain(SECRET);
  });

  it('writes nothing when the content is the same (same inode, same mtime)', async () => {
    await renderFiles(job());
    const target = join(dataDir, 'conf/bitcoin.conf');
    const before = await stat(target);
    expect(await renderFiles(job(), { log: log.logger })).toEqual({ changed: false, written: [] });
    const after = await stat(target);
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
    expect(log.text()).toBe('');
  });

  it('replaces a changed file atomically: a new inode, never a partial file', async () => {
    await renderFiles(job());
    const target = join(dataDir, 'conf/bitcoin.conf');
    const before = await stat(target);
    await writeFile(valuesFile, 'RPC_USER=node\nRPC_PASSWORD=new-one\n');
    expect((await renderFiles(job())).changed).toBe(true);
    expect((await stat(target)).ino).not.toBe(before.ino);
    expect(await readFile(target, 'utf8')).toBe('rpcuser=node\nrpcpassword=new-one\n');
  });

  it('honours a declared mode', async () => {
    await renderFiles(job({ files: [{ path: 'nginx.conf', template: 'x', mode: 0o640 }] }));
    expect((await stat(join(dataDir, 'nginx.conf'))).mode & 0o777).toBe(0o640);
  });

  it("reads a template file from the manifest's folder", async () => {
    const templateFile = join(root, 'bitcoin.conf.mustache');
    await writeFile(templateFile, 'user={{RPC_USER}}');
    await renderFiles(job({ manifestFile: join(root, 'bitcoind.yml'), files: [{ path: 'b.conf', templateFile }] }));
    expect(await readFile(join(dataDir, 'b.conf'), 'utf8')).toBe('user=node');
  });

  it("refuses a template file that leads out of the manifest's folder as it is opened, and never shows its content", async () => {
    const catalog = join(root, 'catalog');
    await mkdir(catalog);
    const outside = join(root, 'outside.txt');
    await writeFile(outside, 'root:$6$hash-of-a-password:19000:0:99999:7:::');
    // A link swapped in after the catalog was read: the render's own check refuses it.
    await symlink(outside, join(catalog, 'nginx.conf.mustache'));
    const error = await failure(
      renderFiles(
        job({
          manifestFile: join(catalog, 'bitcoind.yml'),
          files: [{ path: 'b.conf', templateFile: join(catalog, 'nginx.conf.mustache') }],
        }),
      ),
    );
    expect(error.message).toContain('app.files[0].templateFile: cannot read');
    expect(error.message).toContain("leads outside the manifest's folder");
    expect(error.message).not.toContain('hash-of-a-password');
    await expect(stat(join(dataDir, 'b.conf'))).rejects.toThrow();
  });

  it('a missing value fails naming the manifest, the field and the key, never a value, and writes no file at all', async () => {
    const error = await failure(
      renderFiles(
        job({
          files: [
            { path: 'first.conf', template: 'ok={{RPC_USER}}' },
            { path: 'second.conf', template: 'pw={{RPC_PASSWORD}} port={{RPC_PORT}}' },
          ],
        }),
      ),
    );
    expect(error.message).toBe(
      `catalog/bitcoind.yml: app.files[1].template: the template uses {{RPC_PORT}}, which ${valuesFile} does not define`,
    );
    expect(error.message).not.toContain(SECRET);
    await expect(stat(join(dataDir, 'first.conf'))).rejects.toThrow(/ENOENT/);
  });

  it('a missing values file fails naming app.values', async () => {
    const error = await failure(renderFiles(job({ valuesFile: join(root, 'secrets', 'nope.env') })));
    expect(error.field).toBe('app.values');
    expect(error.message).toContain('does not exist');
  });

  it('refuses an absolute path and a ".." path even if the schema was bypassed', async () => {
    expect((await failure(renderFiles(job({ files: [{ path: '/etc/x', template: 'x' }] })))).field).toBe(
      'app.files[0].path',
    );
    expect((await failure(renderFiles(job({ files: [{ path: 'a/../../x', template: 'x' }] })))).message).toContain(
      'leaves the directory',
    );
  });

  it('refuses to follow a symbolic link out of the data dir (folder or file)', async () => {
    const outside = join(root, 'outside');
    await mkdir(outside);
    await mkdir(dataDir, { recursive: true });
    await symlink(outside, join(dataDir, 'conf'));
    const viaFolder = await failure(renderFiles(job()));
    expect(viaFolder.message).toMatch(
      /^catalog\/bitcoind\.yml: app\.files\[0\]\.path: .*leads out of .* through the symbolic link/,
    );
    await symlink(join(outside, 'passwd'), join(dataDir, 'link.conf'));
    const viaFile = await failure(renderFiles(job({ files: [{ path: 'link.conf', template: 'x' }] })));
    expect(viaFile.message).toContain('is a symbolic link');
    await expect(stat(join(outside, 'bitcoin.conf'))).rejects.toThrow(/ENOENT/);
    await expect(stat(join(outside, 'passwd'))).rejects.toThrow(/ENOENT/);
  });

  it('follows a symbolic link that stays inside the data dir', async () => {
    await mkdir(join(dataDir, 'real'), { recursive: true });
    await symlink(join(dataDir, 'real'), join(dataDir, 'conf'));
    await renderFiles(job());
    expect(await readFile(join(dataDir, 'real', 'bitcoin.conf'), 'utf8')).toContain('rpcuser=node');
  });

  it('has nothing to do without files', async () => {
    expect(await renderFiles(job({ files: [] }))).toEqual({ changed: false, written: [] });
  });
});
