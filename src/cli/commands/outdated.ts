import type { AppStatus, CatalogApp } from '../../orchestrator.js';
import type { DigestOffer } from '../../registry/digest-offer.js';
import { shortDigest } from '../../../machines/update.js';
import { clientAction, clientCommand, clientFor } from '../client-command.js';
import { printedAsData, withOutputOptions, type OutputOptions } from '../output.js';
import { layoutFor, renderTable } from '../table.js';

/** An installed app whose catalog or registry offers another version or image than the one it runs, and why it does not run it. */
export interface OutdatedApp {
  appId: string;
  running: string;
  offered: string;
  /** `update under way`, `rolled back: …`, `podwarden update APP`, or why the registry could not be asked. */
  note: string;
  /** Same tag: the registry digest of the image that runs, and the one the registry serves now. */
  runningDigest?: string;
  offeredDigest?: string;
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
      : last && last.result !== 'updated' && last.to === version && last.toDigest === undefined
        ? `${last.result}: ${last.reason ?? ''} (podwarden update ${row.appId} tries again)`
        : `podwarden update ${row.appId}`;
    return [{ appId: row.appId, running: row.version, offered: version, note }];
  });
}

/**
 * Apps whose tag the registry now serves as another image than the one they run (same tag,
 * new digest), and apps whose registry could not be asked (the row says why). An app already
 * listed for a new catalog version is not listed twice.
 */
export function digestOutdated(rows: AppStatus[], offers: DigestOffer[], listed: ReadonlySet<string>): OutdatedApp[] {
  const rowOf = new Map(rows.filter((row) => row.companion === undefined).map((row) => [row.appId, row]));
  return offers.flatMap((offer) => {
    if (listed.has(offer.appId) || (!offer.newer && offer.problem === undefined)) return [];
    const row = rowOf.get(offer.appId);
    const version = row?.version ?? offer.image;
    if (offer.problem !== undefined)
      return [{ appId: offer.appId, running: version, offered: '?', note: `registry not asked: ${offer.problem}` }];
    const last = row?.lastUpdate;
    const note = row?.update
      ? 'update to the new image under way'
      : last && last.result !== 'updated' && last.toDigest === offer.offered
        ? `${last.result}: ${last.reason ?? ''} (podwarden update ${offer.appId} tries again)`
        : `same tag, new image: podwarden update ${offer.appId}`;
    return [
      {
        appId: offer.appId,
        running: `${version} ${shortDigest(offer.running)}`,
        offered: `${version} ${shortDigest(offer.offered)}`,
        note,
        ...(offer.running !== undefined ? { runningDigest: offer.running } : {}),
        offeredDigest: offer.offered!,
      },
    ];
  });
}

/**
 * `podwarden outdated`: installed apps whose catalog offers another version than the one they
 * run, or whose registry serves another image behind the same tag — an update under way, one
 * rolled back (not retried unasked), or one the owner can start.
 */
export const outdatedCommand = () =>
  withOutputOptions(
    clientCommand(
      'outdated',
      'list installed apps whose catalog offers another version, or whose registry another image behind the same tag',
    ),
    { quiet: 'print only the app ids, one a line' },
  ).action(
    clientAction<[], OutputOptions>(async (options) => {
      const client = clientFor(options);
      const [{ apps: rows }, { apps: catalog }, { offers }] = await Promise.all([
        client.get<{ apps: AppStatus[] }>('/v1/status'),
        client.get<{ apps: CatalogApp[] }>('/v1/catalog'),
        client.get<{ offers: DigestOffer[] }>('/v1/image-offers'),
      ]);
      const byVersion = outdatedApps(rows, catalog);
      const outdated = [...byVersion, ...digestOutdated(rows, offers, new Set(byVersion.map((app) => app.appId)))];
      if (await printedAsData(outdated, options)) return;
      if (options.quiet) {
        process.stdout.write(outdated.map((app) => `${app.appId}\n`).join(''));
        return;
      }
      if (outdated.length === 0) {
        process.stdout.write(
          'every installed app runs the version its catalog offers and the image its registry serves\n',
        );
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
