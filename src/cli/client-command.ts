import { join } from 'node:path';
import { Command, Option } from 'commander';
import { defaultStateDir } from '../host/host-paths.js';
import { ApiError, createApiClient, DaemonUnreachableError, type ApiClient } from '../api/client.js';
import { EXIT } from './exit-codes.js';

export { EXIT };

/** The command line asks for something that cannot be (a missing folder, a flag without its partner): exit 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Where `podwarden run` puts its API socket unless told otherwise. */
export function defaultApiSocket(stateDir = process.env.PODWARDEN_STATE_DIR ?? defaultStateDir()): string {
  return join(stateDir, 'podwarden.sock');
}

/** A followed stream ended without being asked to: the daemon stopped or crashed (exit 3). */
export class DaemonGoneError extends Error {
  constructor() {
    super('the daemon closed the connection (it stopped or crashed); nothing more will come');
    this.name = 'DaemonGoneError';
  }
}

export interface ClientOptions {
  socket: string;
  json?: boolean;
}

/** A command that talks to the daemon: `--socket` and `--json` added, errors mapped to exit codes. */
export function clientCommand(name: string, description: string): Command {
  return new Command(name)
    .description(description)
    .addOption(
      new Option('--socket <path>', "the daemon's API socket").env('PODWARDEN_API_SOCKET').default(defaultApiSocket()),
    )
    .addOption(new Option('--json', 'print JSON instead of text'));
}

export function clientFor(options: ClientOptions): ApiClient {
  return createApiClient({ socketPath: options.socket });
}

const JSON_CODES = {
  [EXIT.failure]: 'failed',
  [EXIT.usage]: 'usage',
  [EXIT.unreachable]: 'unreachable',
} as const;

/** Prints a failure the way a person (or, with --json, a program) wants it, and sets the exit code. */
export function reportFailure(error: unknown, json = false): void {
  const code =
    error instanceof DaemonUnreachableError || error instanceof DaemonGoneError
      ? EXIT.unreachable
      : error instanceof UsageError
        ? EXIT.usage
        : EXIT.failure;
  const message = error instanceof Error ? error.message : String(error);
  if (json) {
    process.stdout.write(
      `${JSON.stringify({ error: { code: error instanceof ApiError ? error.code : JSON_CODES[code], message } })}\n`,
    );
  } else {
    process.stderr.write(`podwarden: ${message}\n`);
  }
  process.exitCode = code;
}

/** Runs a client action; every failure becomes a message and an exit code, never a stack trace. */
export function clientAction<TArgs extends unknown[], TOptions extends ClientOptions = ClientOptions>(
  run: (...args: [...TArgs, TOptions]) => Promise<number | void>,
): (...args: unknown[]) => Promise<void> {
  return async (...args: unknown[]) => {
    // commander passes the positional arguments, then the options, then the command.
    const options = args[args.length - 2] as ClientOptions;
    try {
      const code = await run(...(args.slice(0, -1) as [...TArgs, TOptions]));
      if (typeof code === 'number') process.exitCode = code;
    } catch (error) {
      reportFailure(error, options.json);
    }
  };
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** `12:03:04` (UTC) for a person; `-` when unknown. */
export function timeOfDay(ms: number | undefined): string {
  return ms === undefined ? '-' : new Date(ms).toISOString().slice(11, 19);
}
