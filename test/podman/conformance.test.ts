import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerodeEngine } from '../../src/engine/dockerode/dockerode-engine.js';
import { LABELS } from '../../src/domain/labels.js';
import type { EnginePort } from '../../src/engine/port.js';
import { prepareWorld, runScenario, SCENARIOS } from '../conformance/scenarios.js';
import { openEventLog, uniqueOwner, type EventLog, type World } from '../conformance/world.js';
import { REGISTRY, SOCKET_PATH, image } from './support/env.js';
import {
  kill,
  pause,
  podman,
  PodmanCliError,
  pushUniqueTag,
  removeAllWithLabel,
  removeForce,
} from './support/podman-cli.js';

// The same scenarios as test/conformance/simulator.test.ts, against real podman through the
// dockerode adapter. The expected traces are podman's truth: when this file passes and the
// simulator's does not, the simulator is wrong.

// Podman delivers events ~250 ms late, seconds late on a loaded machine; a missing event is
// waited for this long before the trace records its absence (a passing run never waits it out).
const EVENT_TIMEOUT_MS = 15_000;

async function createPodmanWorld(): Promise<World> {
  const engine: EnginePort = createDockerodeEngine({ socketPath: SOCKET_PATH });
  await engine.ping();
  const owner = uniqueOwner('conformance-podman');
  const log: EventLog = await openEventLog(engine, { [LABELS.owner]: owner }, EVENT_TIMEOUT_MS);
  return {
    name: 'podman',
    engine,
    owner,
    pullOptions: { insecureRegistries: [REGISTRY] },
    eventTimeoutMs: EVENT_TIMEOUT_MS,
    image: (name) => image(name),
    missingImage: () => `${REGISTRY}/podwarden/httpd:no-such-tag`,
    uniqueImage: (name) => pushUniqueTag(name),
    kill: (id) => kill(id),
    removeBehindBack: (id) => removeForce(id),
    pause: (id) => pause(id),
    unpause: async (id) => {
      await podman(['unpause', id]);
    },
    runHealthcheck: async (id) => {
      try {
        await podman(['healthcheck', 'run', id]);
      } catch (error) {
        // A failing check is exit 1 with "unhealthy" on stdout: the check ran, which is all
        // the scenario asks for.
        if (!(error instanceof PodmanCliError && error.exitCode === 1)) throw error;
      }
    },
    get events() {
      return log.events;
    },
    waitForEvents: (what, timeoutMs = EVENT_TIMEOUT_MS) => log.waitFor(what, timeoutMs),
    async close() {
      log.close();
      await removeAllWithLabel(LABELS.owner, owner);
      await removeAllWithLabel(LABELS.owner, `${owner}-foreign`);
    },
  };
}

describe('podman conformance (the simulator is checked against these traces)', () => {
  let world: World;

  beforeAll(async () => {
    world = await createPodmanWorld();
    await prepareWorld(world);
  });

  afterAll(async () => {
    await world?.close();
  });

  it.each(SCENARIOS.map((scenario) => [scenario.title, scenario] as const))('%s', async (_title, scenario) => {
    const trace = await runScenario(world, scenario);
    expect(trace).toEqual(scenario.expected);
  });
});
