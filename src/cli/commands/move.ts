import { clientAction, clientCommand, clientFor, printJson } from '../client-command.js';

/**
 * `podwarden move <app> <file>`: the installed app is read from another file of the catalog
 * from now on. The only way another file can speak for an installed app; the daemon refuses
 * (and says why) unless that file holds a valid manifest of the app.
 */
export const moveCommand = () =>
  clientCommand('move', 'bind an installed app to another manifest file of the catalog (the app is updated from it)')
    .argument('<app>', 'the app id')
    .argument('<file>', 'the manifest file: its name in the catalog, or its path there')
    .action(
      clientAction<[string, string]>(async (appId, file, options) => {
        const answer = await clientFor(options).post(`/v1/apps/${encodeURIComponent(appId)}/move`, { file });
        if (options.json) printJson(answer);
        else process.stdout.write(`${appId}: now read from ${file}\n`);
      }),
    );
