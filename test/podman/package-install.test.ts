import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { LABELS } from '../../src/domain/labels.js';
import { until } from '../support/until.js';
import { REGISTRY, SOCKET_PATH } from './support/env.js';
import { pushUniqueTag, removeAllWithLabel } from './support/podman-cli.js';

// Issue 14, item 8: the package as a user gets it. `npm pack` (its prepack builds) →
// `npm install -g --prefix` of the tarball → the installed `podwarden` runs the daemon on this
// machine's podman and its client commands talk to it. The repository's own dist/ is never
// touched: the pack runs in a copy of the sources.

const run = promisify(execFile);
const REPO = join(import.meta.dirname, '../..');
const tag = randomBytes(3).toString('hex');
const instance = `pkgtest-${tag}`;
const appId = `pkg${tag}`;
const FIVE_MINUTES = { timeout: 300_000 };

let root: string;
let podwarden: string;
let tarballFiles: string[];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pw-package-'));
  const sources = join(root, 'sources');
  await mkdir(sources);
  for (const entry of [
    'package.json',
    'tsconfig.json',
    'README.md',
    'LICENSE',
    'CHANGELOG.md',
    'src',
    'machines',
    'docs',
  ])
    await cp(join(REPO, entry), join(sources, entry), { recursive: true });
  // The build needs the compiler and the types; the dependencies the package itself needs come
  // from the registry (or npm's cache) at install, as for a user.
  await symlink(join(REPO, 'node_modules'), join(sources, 'node_modules'));
  await run('npm', ['pack', '--pack-destination', root], { cwd: sources, maxBuffer: 64 * 1024 * 1024 });
  const tarball = (await readdir(root)).find((file) => /^podwarden-.*\.tgz$/.test(file));
  if (!tarball) throw new Error(`npm pack left no podwarden-*.tgz in ${root}`);
  tarballFiles = (await run('tar', ['-tzf', join(root, tarball)], { maxBuffer: 16 * 1024 * 1024 })).stdout
    .split('\n')
    .filter(Boolean);
  const prefix = join(root, 'prefix');
  await run(
    'npm',
    ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', '--prefer-offline', `./${tarball}`],
    {
      cwd: root,
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  podwarden = join(prefix, 'bin', 'podwarden');
}, 300_000);

afterAll(async () => {
  await removeAllWithLabel(LABELS.owner, instance);
  if (root) await rm(root, { recursive: true, force: true });
});

/** The installed `podwarden <args>` to its end. */
async function installed(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(podwarden, args, { timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

describe('the npm package, installed from its tarball', () => {
  it('holds the built code and the papers, not the sources, tests or CI', () => {
    expect(tarballFiles).toEqual(
      expect.arrayContaining([
        'package/package.json',
        'package/LICENSE',
        'package/CHANGELOG.md',
        'package/README.md',
        'package/dist/src/cli/main.js',
        'package/dist/src/index.js',
        'package/dist/src/index.d.ts',
        'package/dist/machines/app.machine.js',
      ]),
    );
    const stray = tarballFiles.filter(
      (file) =>
        !/^package\/(dist\/(src|machines)\/|docs\/|package\.json$|LICENSE$|CHANGELOG\.md$|README\.md$)/.test(file) ||
        file.endsWith('.map'),
    );
    expect(stray).toEqual([]);
  });

  it('podwarden --version; status with no daemon exits 3 naming the socket', FIVE_MINUTES, async () => {
    expect(await installed('--version')).toMatchObject({ code: 0, stdout: '0.1.0\n' });
    const socket = join(root, 'nowhere', 'podwarden.sock');
    const status = await installed('status', '--socket', socket);
    expect(status.code).toBe(3);
    expect(status.stderr).toContain(`cannot reach the podwarden daemon at ${socket}`);
  });

  it('runs the daemon on podman; install, status and catalog talk to it; SIGTERM stops it', FIVE_MINUTES, async () => {
    const catalog = join(root, 'catalog');
    const state = join(root, 'state');
    await mkdir(catalog, { recursive: true });
    const ref = await pushUniqueTag('httpd');
    await writeFile(
      join(catalog, `${appId}.yml`),
      stringify({
        app: { id: appId, name: 'Package test', version: '1', container: { image: ref, stopTimeout: '2s' } },
      }),
    );
    const daemon = spawn(
      podwarden,
      [
        'run',
        '--log-format',
        'json',
        '--socket',
        SOCKET_PATH,
        '--catalog',
        catalog,
        '--state-dir',
        state,
        '--instance',
        instance,
        '--interval',
        '10m',
        '--insecure-registry',
        REGISTRY,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let log = '';
    daemon.stderr.on('data', (chunk) => (log += chunk));
    const exited = new Promise<number | null>((resolve) => daemon.once('exit', (code) => resolve(code)));
    try {
      await until(
        () => `the daemon to open its gate: ${log}`,
        () => log.includes('recovery done'),
        60_000,
      );
      const socket = ['--socket', join(state, 'podwarden.sock')];
      const empty = await installed('status', ...socket);
      expect(empty.code).toBe(0);
      expect(empty.stdout).toContain('no apps installed');
      const catalogAnswer = await installed('catalog', '--json', ...socket);
      expect(JSON.parse(catalogAnswer.stdout).apps).toEqual([expect.objectContaining({ appId, installed: false })]);
      const install = await installed('install', appId, ...socket);
      expect(install).toMatchObject({ code: 0, stdout: expect.stringContaining(`${appId} is running`) });
      const status = await installed('status', '--json', ...socket);
      expect(JSON.parse(status.stdout)).toEqual([expect.objectContaining({ appId, state: 'running' })]);
    } finally {
      daemon.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
