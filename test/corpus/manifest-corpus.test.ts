import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { writeFile } from 'node:fs/promises';
import { loadCatalog } from '../../src/manifest/catalog.js';
import { validateManifestFile } from '../../src/manifest/validate-file.js';
import { DEFAULT_MANIFEST_MAX_BYTES } from '../../src/manifest/limits.js';
import { protectedPaths } from '../../src/policy/never-allowed.js';
import { NO_POLICY } from '../../src/policy/policy-schema.js';
import { CORPUS, OUTSIDE_SECRET, refusedAsExpected, writeCorpus } from './manifest-corpus.js';

let root: string;
let catalogDir: string;
let admission: Parameters<typeof validateManifestFile>[1];
const slowest = { name: '', ms: 0 };

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'podwarden-corpus-'));
  catalogDir = join(root, 'catalog');
  await writeCorpus(catalogDir, join(root, 'outside'));
  const stateDir = join(root, 'state');
  admission = {
    policy: NO_POLICY,
    protectedPaths: protectedPaths({
      stateDir,
      dataDir: join(stateDir, 'apps'),
      secretsDir: join(stateDir, 'secrets'),
      catalogDir,
    }),
  };
});

afterAll(async () => {
  console.log(`corpus: ${CORPUS.size} manifests; slowest refusal ${slowest.ms.toFixed(1)} ms (${slowest.name})`);
  await rm(root, { recursive: true, force: true });
});

describe('the bad-input corpus', () => {
  it('has at least 60 manifests', () => {
    expect(CORPUS.size).toBeGreaterThanOrEqual(60);
  });

  it.each([...CORPUS.keys()])('validate refuses %s naming the file, the field and the reason', async (name) => {
    const file = join(catalogDir, name);
    const started = performance.now();
    const verdict = await validateManifestFile(file, admission, DEFAULT_MANIFEST_MAX_BYTES);
    const ms = performance.now() - started;
    if (ms > slowest.ms) Object.assign(slowest, { name, ms });
    expect(verdict.manifest).toBeUndefined();
    const errors = verdict.errors.map((error) => error.toJSON());
    expect(refusedAsExpected(errors, file, CORPUS.get(name)!), JSON.stringify(errors, null, 2)).toBe(true);
    for (const error of verdict.errors) {
      // Of another file, nothing; of the manifest itself, a short excerpt at most.
      expect(String(error)).not.toContain(OUTSIDE_SECRET);
      if (name !== 'shadow-like.yml') expect(String(error)).not.toContain('root:');
      expect(String(error)).not.toContain('MustNeverBeEchoedBackInFull');
      expect(String(error).length).toBeLessThan(1200);
    }
  });

  it('a catalog load refuses each file and keeps the good apps', { timeout: 60_000 }, async () => {
    for (const id of ['good-one', 'good-two']) {
      await writeFile(
        join(catalogDir, `${id}.yml`),
        stringify({ app: { id, name: id, version: '1', container: { image: 'x/y:1' } } }),
      );
    }
    try {
      const catalog = await loadCatalog(catalogDir, { admission });
      expect([...catalog.apps.keys()]).toEqual(['good-one', 'good-two']);
      for (const [name, refusal] of CORPUS) {
        expect(
          refusedAsExpected(
            catalog.errors.map((error) => error.toJSON()),
            join(catalogDir, name),
            refusal,
          ),
          name,
        ).toBe(true);
      }
      expect(JSON.stringify(catalog.errors.map((error) => error.toJSON()))).not.toContain(OUTSIDE_SECRET);
    } finally {
      await rm(join(catalogDir, 'good-one.yml'));
      await rm(join(catalogDir, 'good-two.yml'));
    }
  });

  it(
    'podwarden validate exits 1 and names every file, with nothing from outside the catalog',
    { timeout: 120_000 },
    async () => {
      const files = [...CORPUS.keys()].map((name) => join(catalogDir, name));
      const { code, stdout, stderr } = await runValidate(['--json', '--state-dir', join(root, 'state'), ...files]);
      expect(code).toBe(1);
      const verdicts = JSON.parse(stdout) as Array<{ file: string; valid: boolean; errors: unknown[] }>;
      expect(verdicts.map((verdict) => verdict.file)).toEqual(files);
      expect(verdicts.every((verdict) => !verdict.valid && verdict.errors.length > 0)).toBe(true);
      expect(stdout + stderr).not.toContain(OUTSIDE_SECRET);
    },
  );
});

function runValidate(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'validate', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    // 'close', not 'exit': at 'exit' the last of its output may still be in the pipes.
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}
