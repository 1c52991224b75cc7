import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerodeEngine } from '../../src/engine/dockerode/dockerode-engine.js';
import { DEFAULT_MAX_IN_FLIGHT } from '../../src/engine/engine-work.js';
import type { Orchestrator } from '../../src/orchestrator.js';
import { image, SOCKET_PATH } from '../podman/support/env.js';
import { createLaneDaemon, type LaneDaemon } from '../podman/support/orchestrator-fixture.js';
import { containersWithLabel, podman } from '../podman/support/podman-cli.js';
import { until } from '../support/until.js';
import { countingInFlight } from './support/in-flight.js';
import { CHAOS_ROUNDS } from './support/lane.js';
import { LABELS } from '../../src/domain/labels.js';

// 50 apps killed at once (issue 11: 46 starts went out at once, single starts took up to
// 10.6 s and a 10 s backoff stretched to 22.6 s). Timings are printed, never asserted.

const APPS = 50;
let daemon: LaneDaemon;
let orchestrator: Orchestrator;
let counted: ReturnType<typeof countingInFlight>;
const ids = Array.from({ length: APPS }, (_, i) => `crowd${i}`);

beforeAll(async () => {
  daemon = await createLaneDaemon();
  // sleeper has no HEALTHCHECK: 50 image health checks every 5 s would be a load of their own.
  for (const appId of ids) await daemon.writeManifest(appId, { image: image('sleeper'), stopTimeout: '2s' });
  counted = countingInFlight(createDockerodeEngine({ socketPath: SOCKET_PATH }));
  orchestrator = await daemon.boot({ engine: counted.engine, intervalMs: 10 * 60_000 });
  for (const appId of ids) await orchestrator.install(appId);
  await allRunning('the first install');
}, 600_000);

afterAll(async () => {
  await daemon?.cleanup();
});

/** One `podman ps`: each app's containers (ids). */
async function containersByApp(): Promise<Map<string, string[]>> {
  const byApp = new Map<string, string[]>();
  for (const container of await containersWithLabel(LABELS.owner, daemon.instance)) {
    const appId = container.labels[LABELS.app]!;
    byApp.set(appId, [...(byApp.get(appId) ?? []), container.id].sort());
  }
  return byApp;
}

/**
 * Every app running, as podwarden and podman say. `startedAgain` (after a kill): and each of these
 * containers started again, or the wait could end on the state from before podwarden heard the kill.
 */
async function allRunning(after: string, startedAgain?: Set<string>): Promise<void> {
  await until(
    () =>
      `all ${APPS} apps running after ${after}; not yet: ${orchestrator
        .status()
        .filter((row) => row.state !== 'running')
        .map((row) => `${row.appId} ${row.state}`)
        .join(', ')}`,
    async () => {
      if (orchestrator.status().some((row) => row.state !== 'running')) return false;
      if (startedAgain) {
        const started = new Set(counted.calls.filter(({ call }) => call === 'start').map(({ subject }) => subject));
        if ([...startedAgain].some((id) => !started.has(id))) return false;
      }
      const containers = await containersWithLabel(LABELS.owner, daemon.instance);
      return containers.length === APPS && containers.every((container) => container.state === 'running');
    },
    540_000,
    1_000,
  );
}

describe(`${APPS} apps killed at once`, () => {
  for (let round = 1; round <= CHAOS_ROUNDS; round += 1) {
    it(
      `round ${round}: all run again in their own containers, never more than ${DEFAULT_MAX_IN_FLIGHT} engine calls at once`,
      { timeout: 600_000 },
      async () => {
        const before = await containersByApp();
        expect(before.size).toBe(APPS);
        counted.reset();
        const killedAt = Date.now();
        await podman(['kill', ...ids.map((appId) => daemon.containerName(appId))]);
        const killAnswered = Date.now() - killedAt;
        await allRunning('the kill', new Set([...before.values()].flat()));
        const starts = counted.calls.map(({ at }) => at - killedAt);
        console.log(
          `round ${round}: ${APPS} killed (podman kill answered after ${killAnswered} ms) → all running again after ${Date.now() - killedAt} ms; ` +
            `start calls from ${Math.min(...starts)} to ${Math.max(...starts)} ms; at most ${counted.most()} mutating calls at once`,
        );

        // No duplicate and no recreate: each app's container is the one it had, started again.
        const after = await containersByApp();
        expect(after).toEqual(before);
        expect(counted.most()).toBeLessThanOrEqual(DEFAULT_MAX_IN_FLIGHT);
        // Each container started again, and nothing else (no recreate, no stop).
        expect(counted.calls.filter(({ call }) => call !== 'start')).toEqual([]);
        expect(new Set(counted.calls.filter(({ call }) => call === 'start').map(({ subject }) => subject))).toEqual(
          new Set([...before.values()].flat()),
        );
        expect(orchestrator.status().filter((row) => row.failureReason?.kind === 'bad-config')).toEqual([]);
      },
    );
  }
});
