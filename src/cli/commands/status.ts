import Table from 'cli-table3';
import type { AppStatus, Health } from '../../orchestrator.js';
import { clientAction, clientCommand, clientFor, printJson, timeOfDay } from '../client-command.js';

/** The status table's rows: what `podwarden status` prints. */
export function statusTable(apps: readonly AppStatus[]): string {
  const table = new Table({
    head: ['app', 'state', 'ready', 'restarts', 'since', 'reason'],
    style: { head: [], border: [] },
    wordWrap: true,
    colWidths: [null, null, null, null, null, 60],
  });
  for (const app of apps) {
    table.push([
      app.companion === undefined ? app.appId : `${app.appId}/${app.companion}`,
      app.desired === 'stopped' && app.state !== 'stopped' ? `${app.state} (stopping)` : app.state,
      app.ready === undefined ? '-' : app.ready ? 'yes' : 'no',
      String(app.restarts ?? 0),
      timeOfDay(app.since),
      app.failure && app.failure !== app.reason ? `${app.reason}; last failure: ${app.failure}` : app.reason,
    ]);
  }
  const rights = apps.flatMap((app) =>
    (app.rights ?? []).map(
      (right) => `  ${app.companion === undefined ? app.appId : `${app.appId}/${app.companion}`}: ${right}`,
    ),
  );
  return rights.length === 0
    ? table.toString()
    : `${table.toString()}\nhost rights the owner's policy gives:\n${rights.join('\n')}`;
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

/** `podwarden status`: one row per installed app. Exit 1 when an app is not where its owner wants it. */
export const statusCommand = () =>
  clientCommand('status', 'show every installed app: state, ready, restarts, since when, and why').action(
    clientAction<[]>(async (options) => {
      const { apps, health } = await clientFor(options).get<{ apps: AppStatus[]; health?: Health }>('/v1/status');
      if (options.json) printJson(apps);
      else
        process.stdout.write(
          `${apps.length === 0 ? 'no apps installed' : statusTable(apps)}\n${healthcheckLine(health)}`,
        );
    }),
  );
