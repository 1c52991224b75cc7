import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const REPO = join(import.meta.dirname, '../..');

/** A `podwarden <args>` child (through tsx, from the sources), its output so far and its end. */
export interface CliProcess {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/**
 * Starts the CLI. With `closedStdout`, the reading end of its stdout is closed before it can
 * write anything: every write it makes fails with EPIPE, as under `podwarden … | head -1`.
 */
export function startCli(args: string[], options: { closedStdout?: boolean } = {}): CliProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'src/cli/main.ts'), ...args], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  if (options.closedStdout) child.stdout.destroy();
  else child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  // 'close', not 'exit': at 'exit' the last of its output may still be in the pipes.
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/** `podwarden <args>` to its end (killed after a minute: a CLI that hangs fails its test). */
export async function runCli(
  args: string[],
  options: { closedStdout?: boolean } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const cli = startCli(args, options);
  const timer = setTimeout(() => cli.child.kill('SIGKILL'), 60_000);
  const code = await cli.exited;
  clearTimeout(timer);
  return { code, stdout: cli.stdout(), stderr: cli.stderr() };
}
