import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sampleRegistry } from '../../src/engine/simulator/simulator-images.js';
import {
  createSimulatedEngine,
  type SimulatedEngine,
  type SimulatorOptions,
} from '../../src/engine/simulator/simulator.js';
import { silentLogger } from '../../src/log.js';
import { createOrchestrator, type Orchestrator, type OrchestratorOptions } from '../../src/orchestrator.js';
import { createRecorder } from '../../src/replay/recorder.js';
import { recordingEngine } from '../../src/replay/recording-engine.js';
import { recordCommands } from '../../src/replay/recording-orchestrator.js';
import { inlineReader } from '../../src/manifest/reader-thread.js';
import { withVirtualClock } from '../../src/replay/virtual-clock.js';
import { REGISTRY, writeManifests } from '../orchestrator/sim-daemon.js';

/** One recorded session on the simulated engine, on the replay's virtual clock. */
export interface SimSession {
  engine: SimulatedEngine;
  orchestrator: Orchestrator;
  catalogDir: string;
  /** The apps' data directory, which the recording must not name. */
  dataDir: string;
  writeManifest(appId: string, container: Record<string, unknown>): Promise<void>;
  advance(ms: number): Promise<void>;
  containerId(appId: string): string;
}

export type Manifests = Record<string, Record<string, unknown>>;

/**
 * Writes `manifests` to a fresh catalog, then runs `script` against podwarden on the simulator
 * with every input recorded to `file`; stops podwarden and closes the recording after it. Time
 * is the replay's virtual clock (same timer rules, file I/O settled before time moves), so a
 * faithful replay reproduces the session to the millisecond.
 */
export async function recordSimSession(
  file: string,
  manifests: Manifests,
  script: (session: SimSession) => Promise<void>,
  options: {
    simulator?: SimulatorOptions;
    orchestrator?: Partial<OrchestratorOptions>;
    /** false: close the recording with podwarden still running, as a killed daemon leaves it. */
    stop?: boolean;
    /**
     * Runs first, with an unrecorded podwarden on the same engine and state (stopped after it):
     * what a recorded session finds when it starts.
     */
    before?: (setup: Pick<SimSession, 'engine' | 'orchestrator' | 'advance'>) => Promise<void>;
  } = {},
): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'podwarden-simrec-'));
  const catalogDir = join(root, 'catalog');
  const stateDir = join(root, 'state');
  await writeManifests(catalogDir, manifests);
  try {
    await withVirtualClock(Date.now(), async (clock) => {
      const engine = createSimulatedEngine({ registry: sampleRegistry(REGISTRY), clock, ...options.simulator });
      const orchestratorOptions: OrchestratorOptions = {
        catalogDir,
        stateDir,
        insecureRegistries: [REGISTRY],
        logger: silentLogger(),
        // Virtual time: the journal's real file I/O would reorder steps within one virtual instant.
        journal: false,
        // Nor would the reader thread's messages (desired.json's checks): the virtual clock waits for file I/O, not for threads.
        fileReader: inlineReader,
        clock,
        ...options.orchestrator,
      };
      const advance = (ms: number) => clock.advanceTo(clock.offset() + ms);
      if (options.before) {
        const earlier = createOrchestrator({ ...orchestratorOptions, engine });
        await earlier.start();
        await options.before({ engine, orchestrator: earlier, advance });
        const stopping = earlier.stop();
        await advance(60_000);
        await stopping;
      }
      const recorder = await createRecorder({ file, options: orchestratorOptions, clock: () => clock.now() });
      const orchestrator = recordCommands(
        createOrchestrator({ ...orchestratorOptions, engine: recordingEngine(engine, recorder) }),
        recorder,
      );
      const session: SimSession = {
        engine,
        orchestrator,
        catalogDir,
        dataDir: join(stateDir, 'apps'),
        async writeManifest(appId, container) {
          await writeManifests(catalogDir, { [appId]: container });
        },
        advance,
        containerId(appId) {
          const id = orchestrator.status().find((row) => row.appId === appId)?.containerId;
          if (!id) throw new Error(`${appId} has no container`);
          return id;
        },
      };
      await orchestrator.start();
      await clock.settle();
      await script(session);
      if (options.stop !== false) {
        const stopping = orchestrator.stop();
        await advance(60_000);
        await stopping;
      }
      await recorder.close();
    });
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
