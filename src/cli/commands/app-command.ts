import { Option, type Command } from 'commander';
import type { AppStatus } from '../../status-rows.js';
import { parseDuration } from '../../manifest/duration.js';
import { clientAction, clientCommand, clientFor, printJson, type ClientOptions } from '../client-command.js';

type AppCommandName = 'uninstall' | 'start' | 'stop' | 'restart' | 'update' | 'rollback';

export interface AppCommandOptions extends ClientOptions {
  wait: boolean;
  timeout: number;
  force?: boolean;
}

const REACHED: Record<AppCommandName, (row: AppStatus | undefined) => string> = {
  start: (row) => `running${row?.ready === true ? ' and ready' : ''}`,
  restart: (row) => `running again${row?.ready === true ? ' and ready' : ''}`,
  stop: () => 'stopped',
  uninstall: () => 'uninstalled (its data stays)',
  update: (row) => updated(row),
  rollback: (row) =>
    `rolled back to ${row?.version ?? 'the version before'}${row?.lastUpdate?.snapshot ? ', data restored from the snapshot' : ''}, running`,
};

function updated(row: AppStatus | undefined): string {
  const last = row?.lastUpdate;
  if (last?.result === 'updated' && last.to === row?.version)
    return `updated ${last.from} → ${last.to}, running and ready`;
  return `runs ${row?.version ?? 'its manifest'} (nothing to update)`;
}

/**
 * `podwarden <start|stop|restart|uninstall> <app>`: sends the owner's command and waits until
 * the app reached what it asked for (exit 0), or the daemon says it cannot, with the reason, or
 * the timeout passed (exit 1; the daemon keeps going). `--no-wait` returns once the intent is saved.
 */
export function appCommand(name: AppCommandName, description: string, argument = '<app>'): Command {
  const command = clientCommand(name, description)
    .argument(argument, 'the app id')
    .addOption(new Option('--no-wait', 'return once the daemon has the command, without waiting for the outcome'))
    .addOption(
      new Option('--timeout <duration>', 'how long to wait for the outcome (the daemon goes on after it)')
        .default(300_000, '5m')
        .argParser((value: string) => parseDuration(value)),
    );
  if (name === 'uninstall')
    command.addOption(new Option('--force', 'uninstall even though installed apps depend on it (they then wait)'));
  return command.action(
    clientAction<[string], AppCommandOptions>((appId, options) => sendAppCommand(name, appId, options)),
  );
}

/** Sends one owner's command for one app and prints its outcome (or that it was accepted). */
export async function sendAppCommand(name: AppCommandName, appId: string, options: AppCommandOptions): Promise<void> {
  const body = {
    ...(options.wait ? { wait: true, timeoutSeconds: Math.max(1, Math.ceil(options.timeout / 1000)) } : {}),
    ...(options.force ? { force: true } : {}),
  };
  const answer = await clientFor(options).post<{ status?: AppStatus }>(
    `/v1/apps/${encodeURIComponent(appId)}/${name}`,
    body,
  );
  if (options.json) printJson(answer);
  else if (!options.wait) process.stdout.write(`${appId}: ${name} accepted\n`);
  else process.stdout.write(`${appId}: ${REACHED[name](answer.status)}\n`);
}
