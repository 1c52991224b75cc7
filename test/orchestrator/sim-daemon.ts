import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vi } from 'vitest';
import { useFakeClock } from '../support/fake-clock.js';
import { stringify } from 'yaml';
import type { PassReport } from '../../machines/types.js';
import { sampleImageRef, sampleRegistry, type SampleImageName } from '../../src/engine/simulator/simulator-images.js';
import {
  createSimulatedEngine,
  type SimulatedEngine,
  type SimulatorOptions,
} from '../../src/engine/simulator/simulator.js';
import { silentLogger } from '../../src/log.js';
import { memoryUpdateRecords } from '../../src/updates/update-records.js';
import { createOrchestrator, type Orchestrator, type OrchestratorOptions } from '../../src/orchestrator.js';
import type { Transition } from '../../src/streams/transitions.js';

export const REGISTRY = '127.0.0.1:5000';
export const image = (name: SampleImageName) => sampleImageRef(name, REGISTRY);

/**
 * podwarden wired as in production, on the simulated engine, under vitest's fake timers:
 * the same machines, effects and streams, minutes of behaviour in milliseconds.
 */
export interface SimDaemon {
  engine: SimulatedEngine;
  orchestrator: Orchestrator;
  /** The catalog folder, for tests that write manifests of their own and reload. */
  catalogDir: string;
  transitions: Transition[];
  passes: PassReport[];
  /** Start calls as (fake) timestamps, per container id. */
  starts: Array<{ id: string; at: number }>;
  containerId(appId: string): string | undefined;
  state(appId: string): string | undefined;
  advance(ms: number): Promise<void>;
  restart(overrides?: Partial<OrchestratorOptions>): Promise<Orchestrator>;
  cleanup(): Promise<void>;
}

/** Worlds not cleaned up yet: `useSimDaemons` cleans up after each test whatever it made. */
const openWorlds = new Set<SimDaemon>();

/**
 * For a file of simulated-daemon tests: each test runs on the fake clock, and every daemon it
 * made with `createSimDaemon` is cleaned up after it.
 */
export function useSimDaemons(): void {
  useFakeClock(async () => {
    await Promise.all([...openWorlds].map((daemon) => daemon.cleanup()));
  });
}

/** `appFields` adds app-level fields (dependsOn, companions) to some apps' manifests. */
export async function writeManifests(
  dir: string,
  apps: Record<string, Record<string, unknown>>,
  appFields: Record<string, Record<string, unknown>> = {},
): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [id, container] of Object.entries(apps)) {
    await writeFile(
      join(dir, `${id}.yml`),
      stringify({ app: { id, name: id, version: '1', ...appFields[id], container } }),
    );
  }
}

export async function createSimDaemon(
  apps: Record<string, Record<string, unknown>>,
  options: Partial<OrchestratorOptions> & {
    simulator?: SimulatorOptions;
    engine?: SimulatedEngine;
    appFields?: Record<string, Record<string, unknown>>;
  } = {},
): Promise<SimDaemon> {
  const root = await mkdtemp(join(tmpdir(), 'podwarden-sim-'));
  const catalogDir = join(root, 'catalog');
  await writeManifests(catalogDir, apps, options.appFields);
  const engine = options.engine ?? createSimulatedEngine({ registry: sampleRegistry(REGISTRY), ...options.simulator });
  const starts: Array<{ id: string; at: number }> = [];
  const start = engine.start.bind(engine);
  engine.start = (id) => {
    starts.push({ id, at: Date.now() });
    return start(id);
  };
  const transitions: Transition[] = [];
  const passes: PassReport[] = [];
  const updateRecords = memoryUpdateRecords();

  async function boot(overrides: Partial<OrchestratorOptions>): Promise<Orchestrator> {
    const orchestrator = createOrchestrator({
      engine,
      catalogDir,
      stateDir: join(root, 'state'),
      insecureRegistries: [REGISTRY],
      logger: silentLogger(),
      // Fake timers drive these daemons; the journal's fsync'd file I/O would not keep step with them.
      journal: false,
      // The same for each update's record (kept across restarts of this daemon).
      updateRecords,
      ...options,
      ...overrides,
    });
    orchestrator.transitions$.subscribe((t) => transitions.push(t));
    orchestrator.passes$.subscribe((p) => passes.push(p));
    await orchestrator.start();
    return orchestrator;
  }

  const daemon: SimDaemon = {
    engine,
    orchestrator: await boot({}),
    catalogDir,
    transitions,
    passes,
    starts,
    containerId: (appId) =>
      daemon.orchestrator.status().find((row) => row.appId === appId && !row.companion)?.containerId,
    state: (appId) => daemon.orchestrator.status().find((row) => row.appId === appId && !row.companion)?.state,
    advance: async (ms) => {
      await vi.advanceTimersByTimeAsync(ms);
    },
    async restart(overrides = {}) {
      await daemon.orchestrator.stop();
      daemon.orchestrator = await boot(overrides);
      return daemon.orchestrator;
    },
    async cleanup() {
      openWorlds.delete(daemon);
      await daemon.orchestrator.stop();
      await rm(root, { recursive: true, force: true });
    },
  };
  openWorlds.add(daemon);
  return daemon;
}
