/**
 * `npm run visualize`: writes visualizations/ (a Mermaid chart, an SVG and a README table per
 * machine in machines/*.machine.ts). `npm run visualize:check` regenerates into a temporary
 * folder and fails when the committed files differ, so CI notices charts that fell behind.
 *
 * Options: --check; --dir <path> (the folder to write or check; default visualizations/).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { discoverMachines, generateVisualizations } from './chart/generate.js';
import { compareVisualizations, writeVisualizations } from './chart/output-dir.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      check: { type: 'boolean', default: false },
      dir: { type: 'string' },
    },
    strict: true,
  });
  const dir = resolve(values.dir ?? join(root, 'visualizations'));
  const shown = relative(process.cwd(), dir) || '.';

  const machines = await discoverMachines(join(root, 'machines'));
  if (machines.length === 0) throw new Error(`no machines found in ${join(root, 'machines')}/*.machine.ts`);
  const files = await generateVisualizations(machines, {
    root,
    warn: (message) => console.error(`warning: ${message}`),
  });

  if (!values.check) {
    await writeVisualizations(files, dir);
    console.log(`wrote ${[...files.keys()].sort().join(', ')} to ${shown}/`);
    return 0;
  }

  const fresh = await mkdtemp(join(tmpdir(), 'podwarden-visualize-'));
  try {
    await writeVisualizations(files, fresh);
    const stale = await compareVisualizations(fresh, dir);
    if (stale.length === 0) {
      console.log(`${shown}/ is up to date with the machines`);
      return 0;
    }
    console.error('visualizations are stale: run npm run visualize');
    for (const { name, problem } of stale) console.error(`  ${shown}/${name}: ${problem}`);
    return 1;
  } finally {
    await rm(fresh, { recursive: true, force: true });
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`visualize: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 2;
  },
);
