import { changesNothing } from '../../../machines/step.js';
import type { PlanEntry } from '../../explain/plan.js';
import { clientAction, clientCommand, clientFor } from '../client-command.js';
import { printedAsData, withOutputOptions, type OutputOptions } from '../output.js';
import { stateColour } from '../state-colour.js';
import { layoutFor, renderTable } from '../table.js';

function entryId(entry: PlanEntry): string {
  return entry.companion ? `${entry.appId}/${entry.companion}` : entry.appId;
}

function nowWords(entry: PlanEntry): string {
  if (entry.supervisedBy) return `${entry.state} (${entry.supervisedBy} unit)`;
  return entry.container ? `${entry.state} (container ${entry.container.status})` : `${entry.state} (no container)`;
}

/** `podwarden plan`: what the next pass would do, without doing it. */
export const planCommand = () =>
  withOutputOptions(
    clientCommand('plan', 'show what the next reconcile pass would do for each app, and why, without doing it'),
    { quiet: 'print only the ids of the apps the pass would change, one a line' },
  ).action(
    clientAction<[], OutputOptions>(async (options) => {
      const { plan } = await clientFor(options).get<{ plan: PlanEntry[] }>('/v1/plan');
      if (await printedAsData(plan, options)) return;
      const changing = plan.filter((entry) => !changesNothing(entry.action));
      if (options.quiet) {
        process.stdout.write(changing.map((entry) => `${entryId(entry)}\n`).join(''));
        return;
      }
      if (plan.length === 0) {
        process.stdout.write('nothing to plan: no apps installed\n');
        return;
      }
      const layout = layoutFor();
      const table = renderTable(
        [
          { header: 'name' },
          { header: 'now', colour: stateColour },
          { header: 'would', cut: true, colour: (change) => (change.startsWith('no change') ? undefined : 'yellow') },
          { header: 'because', cut: true },
        ],
        plan.map((entry) => [
          entryId(entry),
          nowWords(entry),
          entry.change,
          entry.busy ? `${entry.why}; ${entry.busy}` : entry.why,
        ]),
        options.output === 'wide' ? { ...layout, width: Infinity } : layout,
      );
      const changes = changing.length;
      process.stdout.write(`${table}\n${changes === 0 ? 'no changes' : `${changes} app(s) would change`}\n`);
    }),
  );
