import Table from 'cli-table3';
import { changesNothing } from '../../../machines/step.js';
import type { PlanEntry } from '../../explain/plan.js';
import { clientAction, clientCommand, clientFor, printJson } from '../client-command.js';

/** `podwarden plan`: what the next pass would do, without doing it. */
export const planCommand = () =>
  clientCommand('plan', 'show what the next reconcile pass would do for each app, and why, without doing it').action(
    clientAction<[]>(async (options) => {
      const { plan } = await clientFor(options).get<{ plan: PlanEntry[] }>('/v1/plan');
      if (options.json) {
        printJson(plan);
        return;
      }
      if (plan.length === 0) {
        process.stdout.write('nothing to plan: no apps installed\n');
        return;
      }
      const table = new Table({ head: ['app', 'now', 'would', 'because'], style: { head: [], border: [] } });
      for (const entry of plan) {
        const now = entry.supervisedBy
          ? `${entry.state} (${entry.supervisedBy} unit)`
          : entry.container
            ? `${entry.state} (container ${entry.container.status})`
            : `${entry.state} (no container)`;
        const app = entry.companion ? `${entry.appId}/${entry.companion}` : entry.appId;
        table.push([app, now, entry.change, entry.busy ? `${entry.why}; ${entry.busy}` : entry.why]);
      }
      const changes = plan.filter((entry) => !changesNothing(entry.action)).length;
      process.stdout.write(`${table.toString()}\n${changes === 0 ? 'no changes' : `${changes} app(s) would change`}\n`);
    }),
  );
