import { join } from 'node:path';
import { createApiServer } from '../api/server.js';
import { announceUi } from '../ui/ui-option.js';
import { createDockerodeEngine } from '../engine/dockerode/dockerode-engine.js';
import { discoverEngineSocket } from '../engine/socket-discovery.js';
import { startCliInspector } from '../inspect/inspect-option.js';
import { createLogger, defaultLogFormat, type LogFormat } from '../log.js';
import { createOrchestrator, type Orchestrator, type OrchestratorOptions } from '../orchestrator.js';
import { findPolicyFile } from '../policy/load-policy.js';
import type { Recorder } from '../replay/recorder.js';
import { announceToSystemd } from '../service/systemd-presence.js';
import type { watchDaemonSignals } from './daemon-signals.js';
import { startFailureMessage } from './start-failure.js';

/** `podwarden run`'s flags, parsed and checked (src/cli/run.ts). */
export interface RunOptions {
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
  /** Serve the live page at /ui/ (src/ui). */
  ui?: boolean;
  record?: string;
  companionBackend: 'container' | 'systemd' | 'auto';
  imageHealthchecks: 'auto' | 'podwarden' | 'engine';
  policy?: string;
  manifestMaxBytes: number;
  pruneOrphans?: boolean;
  engineConcurrency: number;
}

/**
 * The daemon itself, loaded by `podwarden run` once its flags are checked (a client command
 * never loads it). Resolves once the daemon stopped after SIGTERM/SIGINT.
 */
export async function runDaemon(options: RunOptions, signals: ReturnType<typeof watchDaemonSignals>): Promise<void> {
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
    ui: options.ui === true,
    ...(options.apiPort !== undefined && options.apiToken
      ? { tcp: { port: options.apiPort, token: options.apiToken } }
      : {}),
  });
  const listening = await api.listen();
  logger.info(listening, 'API listening');
  if (options.ui) announceUi(listening, logger);
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
}
