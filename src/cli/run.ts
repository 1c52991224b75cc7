import { stat } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { defaultStateDir } from '../host/host-paths.js';
import { inspectOption } from '../inspect/inspect-option.js';
import { parseDuration } from '../manifest/duration.js';
import { parseSize } from '../manifest/size.js';
import { usageParser, wholeNumber } from './arg-parsers.js';
import { UsageError } from './client-command.js';
import { watchDaemonSignals } from './daemon-signals.js';
import type { RunOptions } from './run-daemon.js';
import { manifestMaxBytesOption, policyOption } from './trust-options.js';
import { uiOption } from '../ui/ui-option.js';

/**
 * `podwarden run`: the daemon. Exits 0 after SIGTERM/SIGINT once in-flight steps finished;
 * SIGHUP reloads the catalog and the policy. Signals are heard from its first instruction on.
 */
export function runCommand(): Command {
  return new Command('run')
    .description('supervise the installed apps on the local engine until stopped (SIGTERM/SIGINT)')
    .addOption(
      new Option(
        '--socket <path>',
        "engine API socket (default: rootless podman's for a user, then rootful podman's, then Docker's: the first that exists)",
      ).env('PODWARDEN_SOCKET'),
    )
    .addOption(new Option('--catalog <dir>', 'folder of app manifests').env('PODWARDEN_CATALOG').default('catalog'))
    .addOption(
      new Option('--state-dir <dir>', 'where desired state and app data live')
        .env('PODWARDEN_STATE_DIR')
        .default(defaultStateDir()),
    )
    .addOption(
      new Option('--interval <duration>', 'reconcile pass interval (e.g. 30s, 2m)')
        .env('PODWARDEN_INTERVAL')
        .default(30_000, '30s')
        .argParser(usageParser(parseDuration)),
    )
    .addOption(
      new Option('--instance <name>', 'owner label value; podwarden touches only its own containers')
        .env('PODWARDEN_INSTANCE')
        .default('podwarden'),
    )
    .addOption(
      new Option(
        '--name-prefix <prefix>',
        'container names are <prefix><app id> (a second instance on one engine needs its own)',
      )
        .env('PODWARDEN_NAME_PREFIX')
        .default('podwarden-'),
    )
    .addOption(new Option('--install <apps...>', 'make sure these catalog apps are installed (idempotent)'))
    .addOption(
      new Option('--insecure-registry <hosts...>', 'registries (host:port) allowed over plain HTTP')
        .env('PODWARDEN_INSECURE_REGISTRIES')
        .argParser((value: string, previous: string[] = []) => [...previous, ...value.split(',').filter(Boolean)]),
    )
    .addOption(
      new Option('--secrets-dir <dir>', "where manifests' values files live (default <state-dir>/secrets)").env(
        'PODWARDEN_SECRETS_DIR',
      ),
    )
    .addOption(
      new Option(
        '--disk-reserve <size>',
        "free space kept on the image store beyond each app's requirement (e.g. 1GiB, 500MiB)",
      )
        .env('PODWARDEN_DISK_RESERVE')
        .default(1024 ** 3, '1GiB')
        .argParser(usageParser(parseSize)),
    )
    .addOption(
      new Option('--log-level <level>', 'trace|debug|info|warn|error').env('PODWARDEN_LOG_LEVEL').default('info'),
    )
    .addOption(
      new Option('--log-format <format>', 'json, or pretty (default: pretty on a terminal, json otherwise)')
        .choices(['json', 'pretty'])
        .env('PODWARDEN_LOG_FORMAT'),
    )
    .addOption(
      new Option('--api-socket <path>', "the local API's unix socket (default <state-dir>/podwarden.sock)").env(
        'PODWARDEN_API_SOCKET',
      ),
    )
    .addOption(
      new Option('--api-port <port>', 'also serve the API on 127.0.0.1:PORT (needs --api-token)')
        .env('PODWARDEN_API_PORT')
        .argParser(wholeNumber('--api-port', 1, 65_535)),
    )
    .addOption(
      new Option('--api-token <token>', 'bearer token for the TCP API (at least 16 characters)').env(
        'PODWARDEN_API_TOKEN',
      ),
    )
    .addOption(
      new Option('--journal-max-bytes <bytes>', 'rotate the intent journal beyond this size')
        .env('PODWARDEN_JOURNAL_MAX_BYTES')
        .default(1024 * 1024, '1 MiB')
        .argParser(wholeNumber('--journal-max-bytes', 4096)),
    )
    .addOption(inspectOption())
    .addOption(uiOption())
    .addOption(
      new Option(
        '--companion-backend <backend>',
        'who supervises companions: container (podwarden), systemd (units), auto (systemd when it is PID 1)',
      )
        .choices(['container', 'systemd', 'auto'])
        .env('PODWARDEN_COMPANION_BACKEND')
        .default('auto'),
    )
    .addOption(
      new Option(
        '--image-healthchecks <who>',
        "who runs images' HEALTHCHECKs: engine (podman under systemd, Docker), podwarden, auto (the engine where it runs them)",
      )
        .choices(['auto', 'podwarden', 'engine'])
        .env('PODWARDEN_IMAGE_HEALTHCHECKS')
        .default('auto'),
    )
    .addOption(policyOption())
    .addOption(manifestMaxBytesOption())
    .addOption(
      new Option(
        '--engine-concurrency <n>',
        'mutating engine calls (pull, create, start, stop, remove) at once; restarts of crashed apps go first',
      )
        .env('PODWARDEN_ENGINE_CONCURRENCY')
        .default(4)
        .argParser(wholeNumber('--engine-concurrency', 1)),
    )
    .addOption(
      new Option(
        '--prune-orphans',
        'remove containers of this instance that no installed app claims, even with no uninstall on record (and start over when desired.json is missing)',
      ).env('PODWARDEN_PRUNE_ORPHANS'),
    )
    .addOption(
      new Option(
        '--record <file>',
        'record every input (engine answers and events, commands) to this NDJSON file for `podwarden replay`',
      ),
    )
    .action(async (options: RunOptions) => {
      const signals = watchDaemonSignals();
      await checkRunOptions(options);
      // The daemon is loaded only now: `run --help` and a usage error stay as quick as a client command.
      const { runDaemon } = await import('./run-daemon.js');
      await runDaemon(options, signals);
    });
}

/** What the flags alone can tell is wrong, said before anything starts (exit 2, never a daemon with no apps). */
async function checkRunOptions(options: RunOptions): Promise<void> {
  if (options.apiPort !== undefined && !options.apiToken) {
    throw new UsageError('--api-port needs --api-token (PODWARDEN_API_TOKEN): the TCP API is never open without one');
  }
  const catalog = await stat(options.catalog).catch(() => undefined);
  if (!catalog?.isDirectory()) {
    throw new UsageError(
      `--catalog ${options.catalog}: ${catalog ? 'is not a folder' : 'no such folder'} (the folder of app manifests; --catalog or PODWARDEN_CATALOG)`,
    );
  }
}
