import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { runCli } from '../cli/cli-process.js';

// `podwarden export kube` and `import kube` as the owner runs them: YAML on stdout (or files),
// warnings and fill-in commands on stderr, exit 1 with the reason when it cannot.

const CATALOG = fileURLToPath(new URL('../../examples/catalog', import.meta.url));
const MINUTE = { timeout: 60_000 };

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'podwarden-export-cli-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('podwarden export kube / import kube', () => {
  it('exports the installed apps: YAML on stdout, warnings and the Secret command on stderr', MINUTE, async () => {
    const state = join(root, 'state');
    await mkdir(state, { recursive: true });
    const installed = { desired: 'running', installedAt: '2026-01-01T00:00:00Z' };
    await writeFile(
      join(state, 'desired.json'),
      JSON.stringify({ version: 1, apps: { bitcoind: installed, electrs: installed } }),
    );
    const result = await runCli(['export', 'kube', '--catalog', CATALOG, '--state-dir', state]);
    expect(result.code).toBe(0);
    const kinds = parseAllDocuments(result.stdout).map((d) => {
      const value = d.toJS() as { kind: string; metadata: { name: string } };
      return `${value.kind} ${value.metadata.name}`;
    });
    expect(kinds).toEqual([
      'PersistentVolumeClaim bitcoind-data',
      'Secret bitcoind-files',
      'Service bitcoind',
      'Deployment bitcoind',
      'PersistentVolumeClaim electrs-data',
      'Service electrs',
      'Deployment electrs',
    ]);
    expect(result.stderr).toContain('warning: bitcoind: values: the Secret bitcoind-files holds placeholders');
    expect(result.stderr).toContain(
      `kubectl create secret generic bitcoind-files --from-file=data__bitcoin.conf=${join(state, 'apps/bitcoind/data/bitcoin.conf')}`,
    );
    expect(result.stdout).not.toContain('rpcpassword=podwarden');
  });

  it('with nothing installed and no app named, says how to choose', MINUTE, async () => {
    const result = await runCli(['export', 'kube', '--catalog', CATALOG, '--state-dir', join(root, 'empty')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `podwarden: no app is installed (${join(root, 'empty', 'desired.json')}): name the apps to export, or --all for the whole catalog\n`,
    );
  });

  it(
    '--out DIR writes one file per app; import kube reads one back, or names the field it refuses',
    MINUTE,
    async () => {
      const out = join(root, 'k8s/');
      const exported = await runCli([
        'export',
        'kube',
        '--all',
        '--catalog',
        CATALOG,
        '--state-dir',
        join(root, 'empty'),
        '--out',
        out,
      ]);
      expect(exported.code).toBe(0);
      expect((await readdir(out)).sort()).toEqual(['bitcoind.yml', 'btcpay.yml', 'electrs.yml', 'mempool.yml']);
      const back = await runCli(['import', 'kube', join(out, 'mempool.yml')]);
      expect(back.code).toBe(0);
      expect(back.stdout).toMatch(/^app:\n {2}id: mempool\n/);
      const refused = await runCli(['import', 'kube', join(out, 'bitcoind.yml')]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toBe(
        `podwarden: ${join(out, 'bitcoind.yml')}: documents[1].kind: a Secret holds rendered files, which do not map back: write them as app.files (their secrets in app.values)\n`,
      );
    },
  );
});
