import type { Explanation } from '../../explain/explain.js';
import { clientAction, clientCommand, clientFor, printJson } from '../client-command.js';

/** `podwarden explain <app>`: why the app is where it is, and what podwarden did about it. */
export const explainCommand = () =>
  clientCommand('explain', 'say in plain words why an app is in its state and what podwarden did about it')
    .argument('<app>', 'the app id, or a companion as APP/COMPANION (bitcoind/ui)')
    .action(
      clientAction<[string]>(async (appId, options) => {
        const answer = await clientFor(options).get<Explanation>(`/v1/apps/${encodeURIComponent(appId)}/explain`);
        if (options.json) {
          printJson(answer);
          return;
        }
        const history = answer.history.map((line) => `  - ${line}`).join('\n');
        const missing = answer.missing ? `${answer.missing}\n` : '';
        process.stdout.write(
          `${answer.summary}\n${history ? `What podwarden did (newest first, times UTC):\n${history}\n` : ''}${missing}`,
        );
      }),
    );
