#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { EXIT, UsageError } from './client-command.js';
import { commandsFor } from './command-table.js';
import { quietOnClosedPipes } from './quiet-pipes.js';
import { packageVersion } from './version.js';

quietOnClosedPipes();

const program = new Command('podwarden')
  .description('keeps the containers of a home server in the state their owner asked for')
  .version(packageVersion())
  .addHelpText('after', '\nExit codes: 0 ok, 1 failure, 2 usage error, 3 daemon unreachable.');
// Only the command asked for is loaded (all of them for --help or a typo): a client command
// never loads the daemon.
for (const command of await Promise.all(commandsFor(process.argv.slice(2)).map((load) => load()))) {
  program.addCommand(command);
}

/** Usage errors exit 2 (commander's own default is 1, which the CLI keeps for failures). */
function exitCodes(command: Command): void {
  command.exitOverride();
  command.commands.forEach(exitCodes);
}
exitCodes(program);

try {
  await program.parseAsync(process.argv);
} catch (error: unknown) {
  if (error instanceof CommanderError) {
    // commander has said what was wrong already.
    const informational = ['commander.helpDisplayed', 'commander.help', 'commander.version'].includes(error.code);
    process.exitCode = informational ? EXIT.ok : EXIT.usage;
  } else {
    process.stderr.write(`podwarden: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = error instanceof UsageError ? EXIT.usage : EXIT.failure;
  }
}
