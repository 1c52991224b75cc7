import { Option } from 'commander';
import type { Transition } from '../../streams/transitions.js';
import { clientAction, clientCommand, clientFor, DaemonGoneError, timeOfDay } from '../client-command.js';
import { dataFormat, formatData, withOutputOptions, type OutputOptions } from '../output.js';
import { stateColour } from '../state-colour.js';
import { layoutFor, paint } from '../table.js';

/** One transition as a line: `12:03:04 bitcoind/ui: running → backoff (why)`; `colour` paints the new state. */
export function transitionLine(transition: Transition, colour = false): string {
  const failures = transition.failures > 0 ? ` [failures ${transition.failures}]` : '';
  const id = transition.companion === undefined ? transition.appId : `${transition.appId}/${transition.companion}`;
  const to = paint(transition.to, stateColour(transition.to), colour);
  return `${timeOfDay(transition.at)} ${id}: ${transition.from ?? '∅'} → ${to} (${transition.reason})${failures}`;
}

/** A transition as `-o` asks: a line, one JSON object a line (a stream has no end to close an array at), or a YAML document. */
async function transitionText(transition: Transition, options: OutputOptions, colour: boolean): Promise<string> {
  const format = dataFormat(options);
  if (format === 'json') return `${JSON.stringify(transition)}\n`;
  if (format === 'yaml') return `---\n${await formatData(transition, 'yaml')}`;
  return `${transitionLine(transition, colour)}\n`;
}

/** `podwarden events [-f] [--app ID]`: the last transitions; with -f, new ones as they happen. */
export const eventsCommand = () =>
  withOutputOptions(clientCommand('events', 'print app state changes (the last ones; with -f, as they happen)'))
    .addOption(new Option('-f, --follow', 'keep printing transitions as they happen (Ctrl-C to stop)'))
    .addOption(new Option('--app <id>', 'only this app and its companions, or one companion (bitcoind/ui)'))
    .action(
      clientAction<[], OutputOptions & { follow?: boolean; app?: string }>(async (options) => {
        const client = clientFor(options);
        const query = options.app ? `?app=${encodeURIComponent(options.app)}` : '';
        const { colour } = layoutFor();
        // In order, though the YAML printer loads on first use.
        let printed = Promise.resolve();
        const print = (transition: Transition) => {
          printed = printed.then(async () => {
            process.stdout.write(await transitionText(transition, options, colour));
          });
        };
        if (!options.follow) {
          const { transitions } = await client.get<{ transitions: Transition[] }>(`/v1/transitions${query}`);
          transitions.forEach(print);
          await printed;
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
        if (!dataFormat(options)) process.stderr.write('following transitions (Ctrl-C to stop)\n');
        await stream.done;
        await printed;
        // Only Ctrl-C ends a follow well: a stream that ended by itself means the daemon went away.
        if (!stoppedByOwner) throw new DaemonGoneError();
      }),
    );
