import { clientAction, clientCommand, clientFor, printJson } from '../client-command.js';

/**
 * `podwarden adopt [app...]`: keeps as installed the containers the daemon leaves alone
 * (`podwarden status` shows them as `unclaimed`: no installed app claims them and no uninstall
 * is on record), all of them or those named.
 */
export const adoptCommand = () =>
  clientCommand('adopt', 'keep as installed the containers podwarden leaves alone (status: unclaimed)')
    .argument('[apps...]', 'only these apps (default: every unclaimed one)')
    .action(
      clientAction<[string[]]>(async (apps, options) => {
        const answer = await clientFor(options).post<{ adopted: string[] }>(
          '/v1/adopt',
          apps.length > 0 ? { apps } : {},
        );
        if (options.json) printJson(answer);
        else
          process.stdout.write(
            answer.adopted.length === 0 ? 'nothing to adopt\n' : `adopted: ${answer.adopted.join(', ')}\n`,
          );
      }),
    );
