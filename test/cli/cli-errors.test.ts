import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiDaemonWithWeb, type ApiDaemon } from '../api/api-daemon.js';
import type { AppStatus } from '../../src/orchestrator.js';
import { until } from '../support/until.js';
import { runCli, startCli } from './cli-process.js';

// Issue 14, item 7: usage errors exited 1, `run --catalog /nonexistent` ran with no apps,
// `--help | head -1` could crash with EPIPE, `events -f` (and `logs -f`) exited 0 when the daemon went away.

const MINUTE = { timeout: 60_000 };

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'podwarden-cli-errors-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('usage errors exit 2 and say what is wrong', () => {
  it('a bad --tail', MINUTE, async () => {
    const result = await runCli(['logs', 'web', '--tail', 'abc', '--socket', join(root, 'none.sock')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`option '--tail <lines>' argument 'abc' is invalid`);
    expect(result.stderr).toContain('--tail wants a whole number, got "abc"');
  });

  it('a bad --interval, before anything starts', MINUTE, async () => {
    const result = await runCli(['run', '--interval', '5x', '--catalog', root, '--state-dir', join(root, 'state')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`option '--interval <duration>' argument '5x' is invalid`);
  });

  it('a catalog folder that does not exist: refused at once, no daemon runs', MINUTE, async () => {
    const missing = join(root, 'no-such-catalog');
    const result = await runCli(['run', '--catalog', missing, '--state-dir', join(root, 'state')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `podwarden: --catalog ${missing}: no such folder (the folder of app manifests; --catalog or PODWARDEN_CATALOG)\n`,
    );
  });

  it('a catalog that is a file', MINUTE, async () => {
    const file = join(root, 'catalog.yml');
    await writeFile(file, 'app: {}\n');
    const result = await runCli(['run', '--catalog', file, '--state-dir', join(root, 'state')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`--catalog ${file}: is not a folder`);
  });

  it('--api-port without --api-token', MINUTE, async () => {
    const result = await runCli(['run', '--catalog', root, '--state-dir', join(root, 'state'), '--api-port', '8080']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--api-port needs --api-token');
  });

  it('an unknown command names the commands there are', MINUTE, async () => {
    const result = await runCli(['stauts']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('(Did you mean status?)');
  });
});

describe('help and version', () => {
  it('--help lists every command and exits 0; --version is the package version', MINUTE, async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    for (const command of ['run', 'status', 'events', 'validate', 'service', 'replay'])
      expect(help.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    const version = await runCli(['--version']);
    const { version: expected } = JSON.parse(await readFile(join(import.meta.dirname, '../../package.json'), 'utf8'));
    expect(version).toMatchObject({ code: 0, stdout: `${expected}\n` });
  });
});

describe('with a daemon (simulated engine, real API server)', () => {
  let daemon: ApiDaemon;
  beforeAll(async () => {
    daemon = await createApiDaemonWithWeb();
  }, 60_000);
  afterAll(async () => {
    await daemon?.cleanup();
  });

  it('a reader that went away (`| head -1`) ends the CLI quietly: --help and status', MINUTE, async () => {
    const help = await runCli(['--help'], { closedStdout: true });
    expect(help).toMatchObject({ code: 0, stderr: '' });
    const status = await runCli(['status', '--socket', daemon.socketPath], { closedStdout: true });
    expect(status).toMatchObject({ code: 0, stderr: '' });
  });

  it('events -f: Ctrl-C ends it with 0', MINUTE, async () => {
    const events = startCli(['events', '-f', '--socket', daemon.socketPath]);
    await until(
      () => `following; stderr: ${events.stderr()}`,
      () => events.stderr().includes('following'),
      30_000,
    );
    events.child.kill('SIGINT');
    expect(await events.exited).toBe(0);
  });

  it('events -f: the daemon going away is said, and exits 3', MINUTE, async () => {
    const events = startCli(['events', '-f', '--socket', daemon.socketPath]);
    await until(
      () => `following; stderr: ${events.stderr()}`,
      () => events.stderr().includes('following'),
      30_000,
    );
    await daemon.server.close();
    expect(await events.exited).toBe(3);
    expect(events.stderr()).toContain(
      'podwarden: the daemon closed the connection (it stopped or crashed); nothing more will come',
    );
  });
});

describe('logs -f when the daemon goes away (simulated engine, real API server)', () => {
  let daemon: ApiDaemon;
  beforeAll(async () => {
    daemon = await createApiDaemonWithWeb();
  }, 60_000);
  afterAll(async () => {
    await daemon?.cleanup();
  });

  it('says so and exits 3, as events -f does', MINUTE, async () => {
    const logs = startCli(['logs', 'web', '-f', '--socket', daemon.socketPath]);
    const { containerId } = await daemon.client.get<AppStatus>('/v1/apps/web');
    // Following for sure: a line the container writes now reaches it.
    let written = 0;
    await until(
      () => `logs -f to follow; stdout: ${logs.stdout()}; stderr: ${logs.stderr()}`,
      () => {
        if (logs.stdout().includes('still here')) return true;
        daemon.engine.control.writeOutput(containerId!, `still here ${++written}`);
        return false;
      },
      30_000,
    );
    await daemon.server.close();
    expect(await logs.exited).toBe(3);
    expect(logs.stderr()).toContain(
      'podwarden: the daemon closed the connection (it stopped or crashed); nothing more will come',
    );
  });
});
