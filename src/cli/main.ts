#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { EXIT } from './exit-codes.js';
import { runCommand } from './run.js';

/**
 * The CLI's other commands, loaded only when one may be used: `podwarden run` is a long-lived
 * daemon and keeps in memory whatever it loaded, so it does not load the tables, progress
 * bars, API client and replay reader of the commands that talk to it (~1 MiB of heap).
 */
async function clientCommands(): Promise<Command[]> {
  const [
    { adoptCommand },
    { catalogCommand },
    { eventsCommand },
    { explainCommand },
    { installCommand },
    { logsCommand },
    { moveCommand },
    { planCommand },
    { restartCommand },
    { serviceCommand },
    { startCommand },
    { statusCommand },
    { stopCommand },
    { uninstallCommand },
    { validateCommand },
    { replayCommand },
  ] = await Promise.all([
    import('./commands/adopt.js'),
    import('./commands/catalog.js'),
    import('./commands/events.js'),
    import('./commands/explain.js'),
    import('./commands/install.js'),
    import('./commands/logs.js'),
    import('./commands/move.js'),
    import('./commands/plan.js'),
    import('./commands/restart.js'),
    import('./commands/service.js'),
    import('./commands/start.js'),
    import('./commands/status.js'),
    import('./commands/stop.js'),
    import('./commands/uninstall.js'),
    import('./commands/validate.js'),
    import('./replay.js'),
  ]);
  return [
    installCommand(),
    uninstallCommand(),
    moveCommand(),
    startCommand(),
    stopCommand(),
    restartCommand(),
    statusCommand(),
    logsCommand(),
    eventsCommand(),
    explainCommand(),
    planCommand(),
    catalogCommand(),
    validateCommand(),
    serviceCommand(),
    adoptCommand(),
    replayCommand(),
  ];
}

const program = new Command('podwarden')
  .description('keeps the containers of a home server in the state their owner asked for')
  .version('0.1.0')
  .addHelpText('after', '\nExit codes: 0 ok, 1 failure, 2 usage error, 3 daemon unreachable.')
  .addCommand(runCommand());
if (process.argv[2] !== 'run') for (const command of await clientCommands()) program.addCommand(command);

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
