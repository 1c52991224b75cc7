import type { AppStatus, CatalogApp } from '../../orchestrator.js';
import { clientAction, clientCommand, clientFor } from '../client-command.js';
import { printedAsData, withOutputOptions, type OutputOptions } from '../output.js';
import { layoutFor, renderTable } from '../table.js';

/** An installed app whose catalog offers another version than the one it runs, and why it does not run it. */
export interface OutdatedApp {
  appId: string;
  running: string;
  offered: string;
  /** `update under way`, `rolled back: …`, or `podwarden update APP` when nothing is under way. */
  note: string;
}

/** The installed apps whose catalog version is not the one they run (status rows beside the catalog). */
export function outdatedApps(rows: AppStatus[], catalog: CatalogApp[]): OutdatedApp[] {
  const offered = new Map(catalog.filter((app) => app.installed).map((app) => [app.appId, app.version]));
  return rows.flatMap((row) => {
    const version = offered.get(row.appId);
    if (row.companion !== undefined || row.version === undefined || version === undefined) return [];
    if (row.version === version && !row.update) return [];
    const last = row.lastUpdate;
    const note = row.update
      ? `update to ${row.update.to} under way`
      : last && last.result !== 'updated' && last.to === version
        ? `${last.result}: ${last.reason ?? ''} (podwarden update ${row.appId} tries again)`
        : `podwarden update ${row.appId}`;
    return [{ appId: row.appId, running: row.version, offered: version, note }];
  });
}

/**
 * `podwarden outdated`: installed apps whose catalog offers another version than the one they
 * run — an update under way, one rolled back (not retried unasked), or one the owner can start.
 */
export const outdatedCommand = () =>
  withOutputOptions(
    clientCommand('outdated', 'list installed apps whose catalog offers another version than the one they run'),
    { quiet: 'print only the app ids, one a line' },
  ).action(
    clientAction<[], OutputOptions>(async (options) => {
      const client = clientFor(options);
      const [{ apps: rows }, { apps: catalog }] = await Promise.all([
        client.get<{ apps: AppStatus[] }>('/v1/status'),
        client.get<{ apps: CatalogApp[] }>('/v1/catalog'),
      ]);
      const outdated = outdatedApps(rows, catalog);
      if (await printedAsData(outdated, options)) return;
      if (options.quiet) {
        process.stdout.write(outdated.map((app) => `${app.appId}\n`).join(''));
        return;
      }
      if (outdated.length === 0) {
        process.stdout.write('every installed app runs the version its catalog offers\n');
        return;
      }
      const layout = layoutFor();
      const wide = options.output === 'wide';
      const table = renderTable(
        [{ header: 'name' }, { header: 'running' }, { header: 'offered' }, { header: 'note', cut: true }],
        outdated.map((app) => [app.appId, app.running, app.offered, app.note]),
        wide ? { ...layout, width: Infinity } : layout,
      );
      process.stdout.write(`${table}\n`);
    }),
  );
