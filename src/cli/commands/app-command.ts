import type { Command } from 'commander';
import { clientAction, clientCommand, clientFor, printJson } from '../client-command.js';

/**
 * `podwarden <start|stop|restart|uninstall> <app>`: sends the owner's command; the daemon
 * answers once the intent is saved (the work follows; `podwarden events -f` shows it).
 */
export function appCommand(name: 'uninstall' | 'start' | 'stop' | 'restart', description: string): Command {
  return clientCommand(name, description)
    .argument('<app>', 'the app id')
    .action(
      clientAction<[string]>(async (appId, options) => {
        const answer = await clientFor(options).post(`/v1/apps/${encodeURIComponent(appId)}/${name}`);
        if (options.json) printJson(answer);
        else process.stdout.write(`${appId}: ${name} accepted\n`);
      }),
    );
}
