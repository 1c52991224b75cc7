import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LABELS } from '../../src/domain/labels.js';
import type { ContainerObservation } from '../../src/domain/container-observation.js';
import { sampleRegistry } from '../../src/engine/simulator/simulator-images.js';
import { createSimulatedEngine, type SimulatedEngine } from '../../src/engine/simulator/simulator.js';
import { silentLogger } from '../../src/log.js';
import { createOrchestrator, type Orchestrator, type OrchestratorOptions } from '../../src/orchestrator.js';
import { until } from '../support/until.js';
import { image, REGISTRY, writeManifests } from './sim-daemon.js';

/**
 * podwarden on the simulated engine on the real clock, with its journal and desired.json on
 * disk: for what happens to the state files (write failures, a missing or restored file),
 * which fake timers cannot drive. Each boot is a new podwarden process on the same state dir.
 */
export interface RealTimeDaemon {
  engine: SimulatedEngine;
  root: string;
  stateDir: string;
  boot(overrides?: Partial<OrchestratorOptions>): Promise<Orchestrator>;
  stateOf(orchestrator: Orchestrator, appId: string): string | undefined;
  /** Waits (up to 30 s: each step's journal records are fsync'd, slow under load) until the app's machine is in `state`. */
  reaches(orchestrator: Orchestrator, appId: string, state: string): Promise<void>;
  containersOf(appId: string): Promise<ContainerObservation[]>;
  cleanup(): Promise<void>;
}

/** Every app runs the sample httpd image. */
export async function createRealTimeDaemon(appIds: string[]): Promise<RealTimeDaemon> {
  const root = await mkdtemp(join(tmpdir(), 'podwarden-realtime-'));
  await writeManifests(join(root, 'catalog'), Object.fromEntries(appIds.map((id) => [id, { image: image('httpd') }])));
  const engine = createSimulatedEngine({ registry: sampleRegistry(REGISTRY) });
  const stateDir = join(root, 'state');
  const running: Orchestrator[] = [];
  const stateOf = (orchestrator: Orchestrator, appId: string) =>
    orchestrator.status().find((row) => row.appId === appId && !row.companion)?.state;
  return {
    engine,
    root,
    stateDir,
    async boot(overrides = {}) {
      const orchestrator = createOrchestrator({
        engine,
        catalogDir: join(root, 'catalog'),
        stateDir,
        insecureRegistries: [REGISTRY],
        logger: silentLogger(),
        intervalMs: 60_000,
        ...overrides,
      });
      running.push(orchestrator);
      await orchestrator.start();
      return orchestrator;
    },
    stateOf,
    async reaches(orchestrator, appId, state) {
      await until(
        () => `${appId} to reach ${state}; status ${JSON.stringify(orchestrator.status())}`,
        () => stateOf(orchestrator, appId) === state,
        30_000,
      );
    },
    containersOf: (appId) => engine.list({ [LABELS.app]: appId }),
    async cleanup() {
      await Promise.all(running.splice(0).map((orchestrator) => orchestrator.stop()));
      await rm(root, { recursive: true, force: true });
    },
  };
}
