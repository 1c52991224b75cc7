import { Command, Option } from 'commander';
import type { UnitScope } from '../../companions/systemd/systemd-units.js';
import { currentIdentity, isRoot } from '../../host/host-paths.js';
import { installService, uninstallService } from '../../service/service-install.js';
import { wholeNumber } from '../arg-parsers.js';
import { EXIT } from '../client-command.js';

const scopeOf = (options: { user?: boolean }): UnitScope => (options.user ? 'user' : 'system');

function refuseSystemScopeForUser(options: { user?: boolean }): boolean {
  if (options.user || isRoot(currentIdentity())) return false;
  process.stderr.write('podwarden: a system unit needs root; for your own user, add --user\n');
  process.exitCode = EXIT.usage;
  return true;
}

/**
 * `podwarden service install|uninstall`: podwarden as a systemd service of its own (see
 * src/service/service-unit.ts). Everything after `--` is what `podwarden run` gets in the unit.
 */
export const serviceCommand = () =>
  new Command('service')
    .description('run podwarden as a systemd service (a user unit with --user)')
    .addCommand(
      new Command('install')
        .description('write, enable and start a unit that runs `podwarden run <arguments after -->`')
        .argument('[run-arguments...]', 'arguments of `podwarden run`, after --')
        .addOption(new Option('--user', "a unit of your user's systemd (rootless podman), in ~/.config/systemd/user"))
        .addOption(new Option('--no-start', 'write and enable it, but do not (re)start it now'))
        .addOption(
          new Option('--watchdog <seconds>', 'systemd restarts podwarden when its event loop is silent this long')
            .default(30)
            .argParser(wholeNumber('--watchdog', 2)),
        )
        .action(async (runArgs: string[], options: { user?: boolean; start: boolean; watchdog: number }) => {
          if (refuseSystemScopeForUser(options)) return;
          const outcome = await installService({
            scope: scopeOf(options),
            runArgs,
            watchdogSeconds: options.watchdog,
            start: options.start,
          });
          process.stdout.write(
            `${outcome.file}: ${outcome.changed ? 'written' : 'unchanged'}${options.start ? '; podwarden.service is running' : ''}\n`,
          );
          if (outcome.warning) process.stderr.write(`podwarden: ${outcome.warning}\n`);
        }),
    )
    .addCommand(
      new Command('uninstall')
        .description('stop, disable and remove the unit; the apps keep running')
        .addOption(new Option('--user', "the unit of your user's systemd"))
        .action(async (options: { user?: boolean }) => {
          if (refuseSystemScopeForUser(options)) return;
          const outcome = await uninstallService(scopeOf(options));
          process.stdout.write(`${outcome.file}: ${outcome.removed ? 'removed' : 'was not there'}\n`);
        }),
    );
