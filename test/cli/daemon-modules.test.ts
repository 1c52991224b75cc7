import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// Issue 12 item 11: a daemon keeps whatever it loads for as long as it runs, so `podwarden run`
// loads neither the client commands' tables and progress bars nor the YAML reader (only the
// manifest parser's thread and a policy file need it). The other commands still load theirs.

async function loadedPackages(args: string[]): Promise<string[]> {
  const { stderr } = await promisify(execFile)(
    process.execPath,
    ['-r', './test/cli/support/print-loaded-packages.cjs', '--import', 'tsx', 'src/cli/main.ts', ...args],
    { timeout: 60_000 },
  );
  const line = stderr.split('\n').find((text) => text.startsWith('loaded packages: '));
  return JSON.parse(line!.slice('loaded packages: '.length)) as string[];
}

describe('what the daemon loads', () => {
  it('`run` loads the engine and API packages, not yaml, cli-table3 or cli-progress', async () => {
    const packages = await loadedPackages(['run', '--help']);
    expect(packages).toEqual(expect.arrayContaining(['dockerode', 'fastify', 'prom-client']));
    expect(packages.filter((name) => ['yaml', 'cli-table3', 'cli-progress'].includes(name))).toEqual([]);
  });

  it('the client commands still load their tables and progress bars', async () => {
    const packages = await loadedPackages(['status', '--help']);
    expect(packages).toEqual(expect.arrayContaining(['cli-table3', 'cli-progress']));
  });
});
