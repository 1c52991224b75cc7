import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appMachine } from '../../machines/app.machine.js';
import { discoverMachines, generateVisualizations } from '../../scripts/chart/generate.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tsx = join(root, 'node_modules', '.bin', 'tsx');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function visualize(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(tsx, [join(root, 'scripts', 'visualize.ts'), ...args], { cwd: root }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('generated visualizations', () => {
  it('are the same on every run (no timestamps, stable order)', async () => {
    const machines = await discoverMachines(join(root, 'machines'));
    expect(machines.map((entry) => entry.machine.id)).toEqual(expect.arrayContaining(['app', 'supervisor']));
    const first = await generateVisualizations(machines, { root });
    const second = await generateVisualizations(machines, { root });
    expect([...first.keys()].sort()).toEqual([
      'README.md',
      'app.mmd',
      'app.svg',
      'companionUnit.mmd',
      'companionUnit.svg',
      'supervisor.mmd',
      'supervisor.svg',
      'tree.mmd',
      'tree.svg',
    ]);
    expect(second).toEqual(first);
    // Who runs whom, read from the machines' actors: the supervisor runs app and companion machines.
    expect(first.get('tree.mmd')).toBe(
      'flowchart TD\n  supervisor -->|"app"| app\n  supervisor -->|"companionUnit"| companionUnit\n',
    );
    expect(first.get('README.md')).toContain('![actor hierarchy](tree.svg)');
  });

  it('render every state of the app machine into its SVG and README table', async () => {
    const files = await generateVisualizations(await discoverMachines(join(root, 'machines')), { root });
    const svg = files.get('app.svg')!;
    const readme = files.get('README.md')!;
    expect(svg).toMatch(/^<\?xml[\s\S]*<svg[\s\S]*<\/svg>\s*$/);
    const keys = (node: { key: string; states: Record<string, unknown> }): string[] => [
      node.key,
      ...Object.values(node.states).flatMap((child) => keys(child as typeof node)),
    ];
    for (const key of keys(appMachine.root).slice(1)) {
      // A parallel state's cluster is titled "running (parallel)".
      expect(svg, key).toMatch(new RegExp(`>${key}( \\(parallel\\))?</text>`));
      expect(readme, key).toMatch(new RegExp(`^\\| \`([A-Za-z.]+\\.)?${key}\` \\|`, 'm'));
    }
    expect(readme).toContain('![app state chart](app.svg)');
    expect(readme).toContain('```mermaid\nstateDiagram-v2');
  });
});

describe('scripts/visualize.ts', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'podwarden-visualize-test-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  // Four runs of the script: ~10 s quiet, 41 s beside a loaded machine's other tests; the limit is a hang guard.
  it('--check passes right after a run, and fails with a clear message once a file is stale', async () => {
    const written = await visualize('--dir', dir);
    expect(written.stderr).toBe('');
    expect(written.code).toBe(0);
    expect((await readdir(dir)).sort()).toEqual([
      'README.md',
      'app.mmd',
      'app.svg',
      'companionUnit.mmd',
      'companionUnit.svg',
      'supervisor.mmd',
      'supervisor.svg',
      'tree.mmd',
      'tree.svg',
    ]);

    const fresh = await visualize('--check', '--dir', dir);
    expect(fresh.stderr).toBe('');
    expect(fresh.code).toBe(0);
    expect(fresh.stdout).toContain('up to date');

    const chart = join(dir, 'app.mmd');
    await writeFile(chart, (await readFile(chart, 'utf8')).replace('state "deciding"', 'state "thinking"'));
    await writeFile(join(dir, 'retired.svg'), '<svg/>');
    await rm(join(dir, 'supervisor.svg'));
    const stale = await visualize('--check', '--dir', dir);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain('visualizations are stale: run npm run visualize');
    expect(stale.stderr).toMatch(/app\.mmd: differs from line \d+/);
    expect(stale.stderr).toContain('supervisor.svg: missing');
    expect(stale.stderr).toContain('retired.svg: no machine produces it any more');

    const rewritten = await visualize('--dir', dir);
    expect(rewritten.code).toBe(0);
    expect((await readdir(dir)).sort()).toEqual([
      'README.md',
      'app.mmd',
      'app.svg',
      'companionUnit.mmd',
      'companionUnit.svg',
      'supervisor.mmd',
      'supervisor.svg',
      'tree.mmd',
      'tree.svg',
    ]);
    expect((await visualize('--check', '--dir', dir)).code).toBe(0);
  }, 300_000);
});
