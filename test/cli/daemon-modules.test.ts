import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// Issue 12 item 11 and issue 14 item 1: a daemon keeps whatever it loads for as long as it runs,
// so the daemon loads neither the client commands' progress bars nor the YAML reader (only the
// reader thread needs it: daemon-main-thread.test.ts); a client command loads none of the daemon.

async function loadedPackages(args: string[]): Promise<string[]> {
  const { stderr } = await promisify(execFile)(
    process.execPath,
    ['-r', './test/cli/support/print-loaded-packages.cjs', '--import', 'tsx', ...args],
    { timeout: 60_000 },
  );
  const line = stderr.split('\n').find((text) => text.startsWith('loaded packages: '));
  return JSON.parse(line!.slice('loaded packages: '.length)) as string[];
}

describe('what each side of the CLI loads', () => {
  it('the daemon (`run`, once its flags are checked) loads the engine and API packages, not yaml or cli-progress', async () => {
    const packages = await loadedPackages(['--input-type=module', '-e', "await import('./src/cli/run-daemon.ts');"]);
    expect(packages).toEqual(expect.arrayContaining(['dockerode', 'fastify', 'prom-client', 'xstate']));
    expect(packages.filter((name) => ['yaml', 'cli-progress'].includes(name))).toEqual([]);
  });

  it('a client command (`status`) loads none of the daemon', async () => {
    const packages = await loadedPackages(['src/cli/main.ts', 'status', '--help']);
    expect(packages).toContain('commander');
    expect(
      packages.filter((name) => ['dockerode', 'fastify', 'prom-client', 'xstate', 'cli-progress'].includes(name)),
    ).toEqual([]);
  });
});
