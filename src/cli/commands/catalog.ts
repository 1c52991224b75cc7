import type { CatalogApp } from '../../orchestrator.js';
import { clientAction, clientCommand, clientFor } from '../client-command.js';
import { printedAsData, withOutputOptions, type OutputOptions } from '../output.js';
import { layoutFor, renderTable } from '../table.js';

/** `podwarden catalog`: the apps that can be installed, and the manifests that are broken. */
export const catalogCommand = () =>
  withOutputOptions(clientCommand('catalog', 'list the apps of the catalog (installed or not) and manifest errors'), {
    quiet: 'print only the app ids, one a line',
  }).action(
    clientAction<[], OutputOptions>(async (options) => {
      const answer = await clientFor(options).get<{ apps: CatalogApp[]; errors: Array<{ text: string }> }>(
        '/v1/catalog',
      );
      if (await printedAsData(answer, options)) return;
      if (options.quiet) {
        process.stdout.write(answer.apps.map((app) => `${app.appId}\n`).join(''));
        return;
      }
      const layout = layoutFor();
      const wide = options.output === 'wide';
      const table = renderTable(
        [
          { header: 'name' },
          { header: 'installed', colour: (installed) => (installed === 'no' ? 'dim' : undefined) },
          { header: 'version' },
          { header: 'image', cut: true },
          ...(wide ? [{ header: 'title' }, { header: 'file' }] : [{ header: 'title', cut: true }]),
        ],
        answer.apps.map((app) => [
          app.appId,
          app.installed ? (app.desired ?? 'yes') : 'no',
          app.version,
          app.image,
          app.name,
          ...(wide ? [app.file] : []),
        ]),
        wide ? { ...layout, width: Infinity } : layout,
      );
      process.stdout.write(`${answer.apps.length === 0 ? 'the catalog has no apps' : table}\n`);
      for (const app of answer.apps)
        for (const right of app.rights ?? []) process.stdout.write(`host right: ${right}\n`);
      for (const error of answer.errors) process.stdout.write(`manifest error: ${error.text}\n`);
    }),
  );
