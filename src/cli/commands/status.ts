import type { AppStatus, Health } from '../../orchestrator.js';
import { age, duration } from '../age.js';
import { clientAction, clientCommand, clientFor } from '../client-command.js';
import { printedAsData, withOutputOptions, type OutputOptions } from '../output.js';
import { stateColour } from '../state-colour.js';
import { layoutFor, renderTable, type Column, type TableLayout } from '../table.js';

/** `bitcoind`, or `bitcoind/ui` for a companion: the id every command takes. */
export function rowId(app: Pick<AppStatus, 'appId' | 'companion'>): string {
  return app.companion === undefined ? app.appId : `${app.appId}/${app.companion}`;
}

function reasonOf(app: AppStatus, now: number): string {
  // A failure that begins with the reason (`killed by SIGKILL outside podwarden (exit 137): …`) says it all.
  const reason =
    !app.failure || app.failure === app.reason
      ? app.reason
      : app.failure.startsWith(app.reason)
        ? app.failure
        : `${app.reason}; last failure: ${app.failure}`;
  return app.retryAt === undefined ? reason : `next try in ${duration(Math.max(0, app.retryAt - now))}; ${reason}`;
}

/** The version an app runs, and the one its update brings or the catalog offers in vain (`1.0 → 2.0`, `1.0 (2.0 rolled-back)`). */
function versionOf(app: AppStatus): string {
  if (app.version === undefined) return '-';
  if (app.update) return `${app.update.from} → ${app.update.to}`;
  const last = app.lastUpdate;
  return last && last.result !== 'updated' && last.from === app.version
    ? `${app.version} (${last.to} ${last.result})`
    : app.version;
}

/** The status table: what `podwarden status` prints (`wide`: with the version and the container, nothing cut). */
export function statusTable(
  apps: readonly AppStatus[],
  layout: TableLayout,
  { wide = false, now = Date.now() }: { wide?: boolean; now?: number } = {},
): string {
  const columns: Column[] = [
    { header: 'name' },
    { header: 'state', colour: stateColour },
    { header: 'ready', colour: (ready) => (ready === 'no' ? 'red' : undefined) },
    { header: 'restarts', colour: (restarts) => (restarts === '0' ? undefined : 'yellow') },
    { header: 'age' },
    ...(wide ? [{ header: 'version' }, { header: 'container' }] : []),
    { header: 'reason', cut: true },
  ];
  const rows = apps.map((app) => [
    rowId(app),
    app.desired === 'stopped' && app.state !== 'stopped' ? `${app.state} (stopping)` : app.state,
    app.ready === undefined ? '-' : app.ready ? 'yes' : 'no',
    String(app.restarts ?? 0),
    age(app.since, now),
    ...(wide ? [versionOf(app), app.containerId?.slice(0, 12) ?? '-'] : []),
    reasonOf(app, now) || '-',
  ]);
  const table = renderTable(columns, rows, wide ? { ...layout, width: Infinity } : layout);
  const rights = apps.flatMap((app) => (app.rights ?? []).map((right) => `  ${rowId(app)}: ${right}`));
  return rights.length === 0 ? table : `${table}\nhost rights the owner's policy gives:\n${rights.join('\n')}`;
}

/** Which HEALTHCHECKs are in force: the engine's own runs, or podwarden's probes. */
function healthcheckLine(health: Health | undefined): string {
  switch (health?.imageHealthchecks) {
    case 'engine':
      return 'image health checks: run by the engine; podwarden acts on its verdict\n';
    case 'podwarden':
      return 'image health checks: run by podwarden as liveness probes (the engine does not run them here)\n';
    default:
      return '';
  }
}

/**
 * `podwarden status`: one row per installed app and companion. Exit 0 whenever the rows are
 * shown, whatever state the apps are in (as `podman ps` and `kubectl get`): a script reads the
 * states from `-o json`; 1 and 3 only when the daemon cannot answer.
 */
export const statusCommand = () =>
  withOutputOptions(
    clientCommand('status', 'show every installed app: state, ready, restarts, age of the state, and why'),
    { quiet: 'print only the ids (apps and companions), one a line' },
  ).action(
    clientAction<[], OutputOptions>(async (options) => {
      const { apps, health } = await clientFor(options).get<{ apps: AppStatus[]; health?: Health }>('/v1/status');
      if (await printedAsData(apps, options)) return;
      if (options.quiet) {
        process.stdout.write(apps.map((app) => `${rowId(app)}\n`).join(''));
        return;
      }
      const wide = options.output === 'wide';
      process.stdout.write(
        `${apps.length === 0 ? 'no apps installed' : statusTable(apps, layoutFor(), { wide })}\n${healthcheckLine(health)}`,
      );
    }),
  );
