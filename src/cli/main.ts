#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { EXIT } from './client-command.js';
import { adoptCommand } from './commands/adopt.js';
import { catalogCommand } from './commands/catalog.js';
import { eventsCommand } from './commands/events.js';
import { explainCommand } from './commands/explain.js';
import { installCommand } from './commands/install.js';
import { logsCommand } from './commands/logs.js';
import { moveCommand } from './commands/move.js';
import { planCommand } from './commands/plan.js';
import { restartCommand } from './commands/restart.js';
import { serviceCommand } from './commands/service.js';
import { startCommand } from './commands/start.js';
import { statusCommand } from './commands/status.js';
import { stopCommand } from './commands/stop.js';
import { uninstallCommand } from './commands/uninstall.js';
import { validateCommand } from './commands/validate.js';
import { replayCommand } from './replay.js';
import { runCommand } from './run.js';

const program = new Command('podwarden')
  .description('keeps the containers of a home server in the state their owner asked for')
  .version('0.1.0')
  .addHelpText('after', '\nExit codes: 0 ok, 1 failure, 2 usage error, 3 daemon unreachable.')
  .addCommand(runCommand())
  .addCommand(installCommand())
  .addCommand(uninstallCommand())
  .addCommand(moveCommand())
  .addCommand(startCommand())
  .addCommand(stopCommand())
  .addCommand(restartCommand())
  .addCommand(statusCommand())
  .addCommand(logsCommand())
  .addCommand(eventsCommand())
  .addCommand(explainCommand())
  .addCommand(planCommand())
  .addCommand(catalogCommand())
  .addCommand(validateCommand())
  .addCommand(serviceCommand())
  .addCommand(adoptCommand())
  .addCommand(replayCommand());

/** Usage errors exit 2 (commander's own default is 1, which the CLI keeps for failures). */
function exitCodes(command: Command): void {
  command.exitOverride();
  command.commands.forEach(exitCodes);
}
exitCodes(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof CommanderError) {
    const informational = ['commander.helpDisplayed', 'commander.help', 'commander.version'].includes(error.code);
    process.exitCode = informational ? EXIT.ok : EXIT.usage;
    return;
  }
  console.error(`podwarden: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = EXIT.failure;
});
