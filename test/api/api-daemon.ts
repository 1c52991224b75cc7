import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApiClient, type ApiClient } from '../../src/api/client.js';
import { createApiServer, type ApiServer } from '../../src/api/server.js';
import { sampleRegistry } from '../../src/engine/simulator/simulator-images.js';
import { createSimulatedEngine, type SimulatedEngine } from '../../src/engine/simulator/simulator.js';
import { silentLogger } from '../../src/log.js';
import { createOrchestrator, type AppStatus, type Orchestrator } from '../../src/orchestrator.js';
import { until } from '../support/until.js';
import { image, REGISTRY, writeManifests } from '../orchestrator/sim-daemon.js';

/** podwarden on the simulated engine (real clock, real journal) behind its real API server. */
export interface ApiDaemon {
  engine: SimulatedEngine;
  orchestrator: Orchestrator;
  server: ApiServer;
  client: ApiClient;
  socketPath: string;
  stateDir: string;
  tcp?: { port: number; token: string };
  cleanup(): Promise<void>;
}

export async function createApiDaemon(
  options: { tcpToken?: string; holdGate?: boolean; ui?: boolean; withCompanion?: boolean } = {},
): Promise<ApiDaemon> {
  const root = await mkdtemp(join(tmpdir(), 'podwarden-api-'));
  const catalogDir = join(root, 'catalog');
  const stateDir = join(root, 'state');
  await writeManifests(
    catalogDir,
    {
      web: { image: image('httpd') },
      crashy: { image: image('crasher') },
      // `node`, with a companion `ui`, only for the tests that ask for it.
      ...(options.withCompanion ? { node: { image: image('httpd') } } : {}),
    },
    options.withCompanion ? { node: { companions: [{ id: 'ui', container: { image: image('httpd') } }] } } : {},
  );
  const engine = createSimulatedEngine({ registry: sampleRegistry(REGISTRY) });
  const orchestrator = createOrchestrator({
    engine,
    catalogDir,
    stateDir,
    insecureRegistries: [REGISTRY],
    logger: silentLogger(),
    intervalMs: 60_000,
    gate: { holdForEmbedder: options.holdGate ?? false },
  });
  await orchestrator.start();
  const socketPath = join(root, 'podwarden.sock');
  const server = createApiServer(orchestrator, {
    socketPath,
    logger: silentLogger(),
    ...(options.ui ? { ui: true } : {}),
    ...(options.tcpToken ? { tcp: { port: 0, token: options.tcpToken } } : {}),
  });
  const address = await server.listen();
  return {
    engine,
    orchestrator,
    server,
    client: createApiClient({ socketPath }),
    socketPath,
    stateDir,
    ...(options.tcpToken && address.tcpPort ? { tcp: { port: address.tcpPort, token: options.tcpToken } } : {}),
    async cleanup() {
      await server.close();
      await orchestrator.stop();
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** An API daemon where `web` is installed and running (and `crashy` is in the catalog only). */
export async function createApiDaemonWithWeb(): Promise<ApiDaemon> {
  const daemon = await createApiDaemon();
  await daemon.client.post('/v1/apps/web/install');
  await until('web running', async () => (await daemon.client.get<AppStatus>('/v1/apps/web')).state === 'running');
  return daemon;
}
