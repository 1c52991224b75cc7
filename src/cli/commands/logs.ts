import { Option } from 'commander';
import type { LogLine } from '../../engine/port.js';
import { ApiError } from '../../api/client.js';
import { wholeNumber } from '../arg-parsers.js';
import { clientAction, clientCommand, clientFor, DaemonGoneError, type ClientOptions } from '../client-command.js';

/**
 * `podwarden logs <app> [-f] [--tail N]`: the container's output, stdout to stdout and stderr to
 * stderr. The daemon ends the stream with `end` (the lines are all sent, or the followed
 * container stopped); a stream that stops without it means the daemon went away (exit 3).
 */
export const logsCommand = () =>
  clientCommand('logs', "print an app container's output")
    .argument('<app>', 'the app id, or a companion as APP/COMPANION (bitcoind/ui)')
    .addOption(new Option('-f, --follow', 'keep printing new lines until the container stops (or Ctrl-C)'))
    .addOption(new Option('--tail <lines>', 'only the last N lines').argParser(wholeNumber('--tail', 0)))
    .action(
      clientAction<[string], ClientOptions & { follow?: boolean; tail?: number }>(async (appId, options) => {
        const query = new URLSearchParams();
        if (options.follow) query.set('follow', 'true');
        if (options.tail !== undefined) query.set('tail', String(options.tail));
        let failure: Error | undefined;
        let ended = false;
        let stoppedByOwner = false;
        const stream = clientFor(options).stream(
          `/v1/apps/${encodeURIComponent(appId)}/logs?${query}`,
          (event, data) => {
            if (event === 'line') {
              const line = data as LogLine;
              if (options.json) process.stdout.write(`${JSON.stringify(line)}\n`);
              else (line.stream === 'stderr' ? process.stderr : process.stdout).write(`${line.text}\n`);
            } else if (event === 'error') {
              failure = new ApiError(502, 'engine', (data as { message: string }).message);
            } else if (event === 'end') {
              ended = true;
            }
          },
        );
        const stop = () => {
          stoppedByOwner = true;
          stream.close();
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        await stream.ready;
        await stream.done;
        if (failure) throw failure;
        if (!ended && !stoppedByOwner) throw new DaemonGoneError();
      }),
    );
