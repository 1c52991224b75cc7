import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDesiredStore } from '../../src/state/desired-store.js';

// Issue 11, "an unreadable desired.json leaves a daemon that supervises nothing": one stderr
// line, and the process stayed up with its API answering "no apps installed".

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'podwarden-startfail-'));
  await mkdir(join(root, 'catalog'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** `podwarden run` to its end (or killed after a minute: a daemon that stays up fails the test). */
function run(): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/cli/main.ts',
        'run',
        '--log-format',
        'json',
        '--catalog',
        join(root, 'catalog'),
        '--state-dir',
        join(root, 'state'),
        '--socket',
        join(root, 'no-engine.sock'),
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    // 'close', not 'exit': at 'exit' the last of its stderr may still be in the pipe.
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe('podwarden run with an unreadable desired.json', () => {
  it(
    'exits non-zero naming the file, the problem and the way out; the file is left as it was',
    { timeout: 90_000 },
    async () => {
      const store = createDesiredStore(join(root, 'state'));
      await store.save({ version: 1, apps: { web: { desired: 'running', installedAt: '2026-12-01T00:00:00.000Z' } } });
      await store.save({
        version: 1,
        apps: {
          web: { desired: 'running', installedAt: '2026-12-01T00:00:00.000Z' },
          db: { desired: 'stopped', installedAt: '2026-12-01T00:00:00.000Z' },
        },
      });
      await writeFile(store.file, '{"version":1,"apps":{"web"');

      const { code, stderr } = await run();
      expect(code).toBe(1);
      expect(stderr).toContain(
        `podwarden: cannot start: the desired state (which apps the owner installed) is unreadable: ${store.file}: is not valid JSON`,
      );
      expect(stderr).toContain('Nothing was started and no container was touched.');
      expect(stderr).toContain(`cp ${store.previousFile} ${store.file}`);
      expect(stderr).toContain('installed: web');
      expect(await readFile(store.file, 'utf8')).toBe('{"version":1,"apps":{"web"');
    },
  );
});
