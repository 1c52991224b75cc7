import { Option } from 'commander';
import type { Transition } from '../../streams/transitions.js';
import {
  clientAction,
  clientCommand,
  clientFor,
  DaemonGoneError,
  timeOfDay,
  type ClientOptions,
} from '../client-command.js';

export function transitionLine(transition: Transition): string {
  const failures = transition.failures > 0 ? ` [failures ${transition.failures}]` : '';
  return `${timeOfDay(transition.at)} ${transition.appId}: ${transition.from ?? '∅'} → ${transition.to} (${transition.reason})${failures}`;
}

/** `podwarden events [-f] [--app ID]`: the last transitions; with -f, new ones as they happen. */
export const eventsCommand = () =>
  clientCommand('events', 'print app state changes (the last ones; with -f, as they happen)')
    .addOption(new Option('-f, --follow', 'keep printing transitions as they happen (Ctrl-C to stop)'))
    .addOption(new Option('--app <id>', 'only this app'))
    .action(
      clientAction<[], ClientOptions & { follow?: boolean; app?: string }>(async (options) => {
        const client = clientFor(options);
        const query = options.app ? `?app=${encodeURIComponent(options.app)}` : '';
        const print = (transition: Transition) =>
          process.stdout.write(`${options.json ? JSON.stringify(transition) : transitionLine(transition)}\n`);
        if (!options.follow) {
          const { transitions } = await client.get<{ transitions: Transition[] }>(`/v1/transitions${query}`);
          transitions.forEach(print);
          return;
        }
        const stream = client.stream(`/v1/events${query}`, (event, data) => {
          if (event === 'transition') print(data as Transition);
        });
        let stoppedByOwner = false;
        const stop = () => {
          stoppedByOwner = true;
          stream.close();
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        await stream.ready;
        if (!options.json) process.stderr.write('following transitions (Ctrl-C to stop)\n');
        await stream.done;
        // Only Ctrl-C ends a follow well: a stream that ended by itself means the daemon went away.
        if (!stoppedByOwner) throw new DaemonGoneError();
      }),
    );
