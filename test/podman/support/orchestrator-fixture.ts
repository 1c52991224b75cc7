import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filter, firstValueFrom, timeout, type Observable } from 'rxjs';
import { stringify } from 'yaml';
import { createDockerodeEngine } from '../../../src/engine/dockerode/dockerode-engine.js';
import { LABELS } from '../../../src/domain/labels.js';
import { silentLogger } from '../../../src/log.js';
import {
  createOrchestrator,
  type AppStatus,
  type Orchestrator,
  type OrchestratorOptions,
} from '../../../src/orchestrator.js';
import type { Transition } from '../../../src/streams/transitions.js';
import { until } from '../../support/until.js';
import { lane as laneOf, type Lane } from '../../lanes/support/lane.js';
import { outside } from '../../lanes/support/outside.js';

/**
 * One isolated podwarden daemon on a real engine (this machine's podman unless a lane is given):
 * its own owner label, container-name prefix, catalog and state dir, so tests never see each
 * other's containers.
 */
export interface LaneDaemon {
  instance: string;
  namePrefix: string;
  catalogDir: string;
  stateDir: string;
  containerName(appId: string): string;
  writeManifest(appId: string, container: Record<string, unknown>, extra?: Record<string, unknown>): Promise<void>;
  writeRaw(file: string, text: string): Promise<void>;
  boot(overrides?: Partial<OrchestratorOptions>): Promise<Orchestrator>;
  cleanup(): Promise<void>;
}

export async function createLaneDaemon(lane: Lane = laneOf('podman')): Promise<LaneDaemon> {
  const tag = randomBytes(4).toString('hex');
  const instance = `itest-${tag}`;
  const namePrefix = `pw${tag}-`;
  const root = await mkdtemp(join(tmpdir(), 'podwarden-itest-'));
  const catalogDir = join(root, 'catalog');
  const stateDir = join(root, 'state');
  await mkdir(catalogDir, { recursive: true });
  const running: Orchestrator[] = [];

  return {
    instance,
    namePrefix,
    catalogDir,
    stateDir,
    containerName: (appId) => `${namePrefix}${appId}`,
    async writeManifest(appId, container, extra = {}) {
      const manifest = { app: { id: appId, name: `Test ${appId}`, version: '1', ...extra, container } };
      await writeFile(join(catalogDir, `${appId}.yml`), stringify(manifest));
    },
    async writeRaw(file, text) {
      await writeFile(join(catalogDir, file), text);
    },
    async boot(overrides = {}) {
      const orchestrator = createOrchestrator({
        engine: createDockerodeEngine({ socketPath: lane.socketPath }),
        catalogDir,
        stateDir,
        instance,
        namePrefix,
        insecureRegistries: [lane.registry],
        logger: silentLogger(),
        ...overrides,
      });
      await orchestrator.start();
      running.push(orchestrator);
      return orchestrator;
    },
    async cleanup() {
      await Promise.all(running.map((orchestrator) => orchestrator.stop()));
      await outside(lane).removeAllWithLabel(LABELS.owner, instance);
      await rm(root, { recursive: true, force: true });
    },
  };
}

/**
 * Resolves with the first transition (from now on) that matches, or fails after `ms`. The
 * default deadlines here are generous: a loaded machine takes seconds for a pull or a start,
 * and a wait that can never succeed still fails the test, only later.
 */
export function nextTransition(
  transitions$: Observable<Transition>,
  match: (transition: Transition) => boolean,
  ms = 60_000,
): Promise<Transition> {
  return firstValueFrom(transitions$.pipe(filter(match), timeout({ first: ms })));
}

/** Polls `status()` until the app is in `state`; fails after `ms` with the last status seen. */
export function waitForState(orchestrator: Orchestrator, appId: string, state: string, ms = 60_000) {
  return waitForStatus(orchestrator, appId, `reach ${state}`, (row) => row.state === state, ms);
}

/** Polls `status()` until the app's row matches; fails after `ms` with the last row seen. */
export function waitForStatus(
  orchestrator: Orchestrator,
  appId: string,
  what: string,
  match: (row: AppStatus) => boolean,
  ms = 60_000,
): Promise<AppStatus> {
  let last: AppStatus | undefined;
  return until(
    () => `${appId} to ${what}; last: ${JSON.stringify(last)}`,
    () => {
      last = orchestrator.status().find((entry) => entry.appId === appId);
      return last && match(last) ? last : undefined;
    },
    ms,
  );
}
