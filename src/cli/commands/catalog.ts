import Table from 'cli-table3';
import type { CatalogApp } from '../../orchestrator.js';
import { clientAction, clientCommand, clientFor, printJson } from '../client-command.js';

/** `podwarden catalog`: the apps that can be installed, and the manifests that are broken. */
export const catalogCommand = () =>
  clientCommand('catalog', 'list the apps of the catalog (installed or not) and manifest errors').action(
    clientAction<[]>(async (options) => {
      const answer = await clientFor(options).get<{ apps: CatalogApp[]; errors: Array<{ text: string }> }>(
        '/v1/catalog',
      );
      if (options.json) {
        printJson(answer);
        return;
      }
      const table = new Table({
        head: ['app', 'name', 'version', 'image', 'installed'],
        style: { head: [], border: [] },
      });
      for (const app of answer.apps) {
        table.push([app.appId, app.name, app.version, app.image, app.installed ? (app.desired ?? 'yes') : 'no']);
      }
      process.stdout.write(`${table.toString()}\n`);
      for (const app of answer.apps)
        for (const right of app.rights ?? []) process.stdout.write(`host right: ${right}\n`);
      for (const error of answer.errors) process.stdout.write(`manifest error: ${error.text}\n`);
    }),
  );
