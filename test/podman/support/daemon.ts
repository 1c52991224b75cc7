import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REGISTRY, SOCKET_PATH } from './env.js';

/** `podwarden run` as a child process (via tsx), with its output collected. */
export interface Daemon {
  process: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/**
 * `podwarden run`'s flags for a test daemon: its catalog and state under `root`, its own owner
 * label, the local registry, and passes only when asked (the tests drive them).
 */
export function daemonArgs(root: string, instance: string, engineSocket = SOCKET_PATH): string[] {
  return [
    '--socket',
    engineSocket,
    '--catalog',
    join(root, 'catalog'),
    '--state-dir',
    join(root, 'state'),
    '--instance',
    instance,
    '--interval',
    '10m',
    '--insecure-registry',
    REGISTRY,
  ];
}

export function startDaemon(args: string[]): Daemon {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'run', '--log-format', 'json', ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  // 'close', not 'exit': at 'exit' the last of its output may still be in the pipes.
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { process: child, output: () => output, exited };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** One `podwarden <args>` run to its end (stdout is a pipe: no TTY, so no bar and no colours). */
export function runCli(args: string[], timeoutMs = 120_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `podwarden ${args.join(' ')} did not finish in ${timeoutMs} ms; stdout: ${stdout}; stderr: ${stderr}`,
        ),
      );
    }, timeoutMs);
    // 'close', not 'exit': at 'exit' the last of its output may still be in the pipes.
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A long-running `podwarden <args>` (events -f, logs -f): its output so far, and a way to end it. */
export function spawnCli(args: string[]): { output: () => string; stop: () => Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return {
    output: () => output,
    stop: () => {
      child.kill('SIGINT');
      return exited;
    },
  };
}
