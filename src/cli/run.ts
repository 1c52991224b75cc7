import { Command, Option } from 'commander';
import { inspectOption, startCliInspector } from '../inspect/inspect-option.js';
import { createDockerodeEngine } from '../engine/dockerode/dockerode-engine.js';
import { discoverEngineSocket } from '../engine/socket-discovery.js';
import { defaultStateDir } from '../host/host-paths.js';
import { announceToSystemd } from '../service/systemd-presence.js';
import { join } from 'node:path';
import { createApiServer } from '../api/server.js';
import { createLogger, defaultLogFormat, type LogFormat } from '../log.js';
import { parseDuration } from '../manifest/duration.js';
import { parseSize } from '../manifest/size.js';
import { createOrchestrator, type Orchestrator, type OrchestratorOptions } from '../orchestrator.js';
import type { Recorder } from '../replay/recorder.js';
import { findPolicyFile } from '../policy/load-policy.js';
import { watchDaemonSignals } from './daemon-signals.js';
import { manifestMaxBytesOption, policyOption } from './trust-options.js';
import { startFailureMessage } from './start-failure.js';

function durationOption(value: string): number {
  return parseDuration(value);
}

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
        .argParser(durationOption),
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
        .argParser((value: string) => parseSize(value)),
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
        .argParser((value: string) => {
          const port = Number(value);
          if (!Number.isInteger(port) || port < 1 || port > 65535)
            throw new Error(`--api-port wants a port number, got "${value}"`);
          return port;
        }),
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
        .argParser((value: string) => {
          const bytes = Number(value);
          if (!Number.isInteger(bytes) || bytes < 4096)
            throw new Error(`--journal-max-bytes wants a whole number of at least 4096, got "${value}"`);
          return bytes;
        }),
    )
    .addOption(inspectOption())
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
        .argParser((value: string) => {
          const n = Number(value);
          if (!Number.isInteger(n) || n < 1)
            throw new Error(`--engine-concurrency wants a whole number of at least 1, got "${value}"`);
          return n;
        }),
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
    .action(
      async (options: {
        socket?: string;
        catalog: string;
        stateDir: string;
        interval: number;
        instance: string;
        namePrefix: string;
        install?: string[];
        insecureRegistry?: string[];
        secretsDir?: string;
        diskReserve: number;
        logLevel: string;
        logFormat?: LogFormat;
        apiSocket?: string;
        apiPort?: number;
        apiToken?: string;
        journalMaxBytes: number;
        inspect?: number;
        record?: string;
        companionBackend: 'container' | 'systemd' | 'auto';
        imageHealthchecks: 'auto' | 'podwarden' | 'engine';
        policy?: string;
        manifestMaxBytes: number;
        pruneOrphans?: boolean;
        engineConcurrency: number;
      }) => {
        const signals = watchDaemonSignals();
        if (options.apiPort !== undefined && !options.apiToken) {
          throw new Error('--api-port needs --api-token (PODWARDEN_API_TOKEN): the TCP API is never open without one');
        }
        const logger = createLogger({ level: options.logLevel, format: options.logFormat ?? defaultLogFormat() });
        signals.useLogger(logger);
        logger.info('starting');
        const socketPath = await discoverEngineSocket(options.socket);
        logger.info({ socket: socketPath }, 'engine socket');
        const policyFile = await findPolicyFile(options.stateDir, options.policy);
        logger.info(
          { policy: policyFile },
          policyFile === undefined
            ? 'no host policy file: apps get nothing of the host beyond their data dir and named volumes'
            : `host policy: ${policyFile}`,
        );
        const inspector = options.inspect === undefined ? undefined : await startCliInspector(options.inspect, logger);
        const orchestratorOptions: OrchestratorOptions = {
          socketPath,
          catalogDir: options.catalog,
          stateDir: options.stateDir,
          intervalMs: options.interval,
          instance: options.instance,
          namePrefix: options.namePrefix,
          insecureRegistries: options.insecureRegistry ?? [],
          ...(options.secretsDir !== undefined ? { secretsDir: options.secretsDir } : {}),
          diskReserveBytes: options.diskReserve,
          logger,
          inspect: inspector?.inspect,
          companionBackend: options.companionBackend,
          imageHealthchecks: options.imageHealthchecks,
          journal: { maxBytes: options.journalMaxBytes },
          manifestMaxBytes: options.manifestMaxBytes,
          ...(policyFile !== undefined ? { policyFile } : {}),
          pruneOrphans: options.pruneOrphans === true,
          engineWork: { maxInFlight: options.engineConcurrency },
        };
        let recorder: Recorder | undefined;
        let orchestrator: Orchestrator;
        if (options.record === undefined) orchestrator = createOrchestrator(orchestratorOptions);
        else {
          // Loaded only to record: its catalog snapshots parse manifests on this thread, and a
          // daemon keeps whatever it loaded for as long as it runs.
          const [{ createRecorder }, { recordingEngine }, { recordCommands }] = await Promise.all([
            import('../replay/recorder.js'),
            import('../replay/recording-engine.js'),
            import('../replay/recording-orchestrator.js'),
          ]);
          recorder = await createRecorder({ file: options.record, options: orchestratorOptions, logger });
          orchestrator = recordCommands(
            createOrchestrator({
              ...orchestratorOptions,
              engine: recordingEngine(createDockerodeEngine({ socketPath }), recorder),
            }),
            recorder,
          );
        }
        // Listening before start: /healthz answers 503 (and why) while the recovery gate is closed.
        const api = createApiServer(orchestrator, {
          socketPath: options.apiSocket ?? join(options.stateDir, 'podwarden.sock'),
          logger,
          ...(options.apiPort !== undefined && options.apiToken
            ? { tcp: { port: options.apiPort, token: options.apiToken } }
            : {}),
        });
        const listening = await api.listen();
        logger.info(listening, 'API listening');
        const systemd = announceToSystemd(orchestrator, logger);
        try {
          await orchestrator.start();
        } catch (error) {
          // No daemon that answers "no apps installed": nothing may keep it alive (the API listens
          // already); it exits non-zero saying why (the file, the problem and the way out).
          logger.fatal({ err: error instanceof Error ? error.message : String(error) }, 'podwarden cannot start');
          systemd.stopping();
          await api.close();
          await inspector?.stop();
          await recorder?.close();
          throw new Error(startFailureMessage(error), { cause: error });
        }
        for (const appId of signals.stopAsked ? [] : (options.install ?? [])) {
          try {
            await orchestrator.install(appId);
          } catch (error) {
            logger.error({ app: appId }, error instanceof Error ? error.message : String(error));
          }
        }
        const signal = await signals.running({
          reload: () =>
            orchestrator.reloadCatalog().then(
              (errors) => logger.info({ errors: errors.length }, 'catalog reloaded'),
              (error: unknown) =>
                logger.error({ err: error instanceof Error ? error.message : String(error) }, 'catalog reload failed'),
            ),
        });
        logger.info({ signal }, 'stopping: finishing in-flight steps, containers keep running');
        systemd.stopping();
        await orchestrator
          .stop()
          .catch((error: unknown) =>
            logger.error({ err: error instanceof Error ? error.message : String(error) }, 'stop failed'),
          );
        await api.close();
        await inspector?.stop();
        await recorder?.close();
        logger.info('stopped');
      },
    );
}
