import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareWorld, runScenario, SCENARIOS } from './scenarios.js';
import { createSimulatorWorld, type World } from './world.js';

// The simulator must produce exactly the traces real podman produces: test/podman/conformance.test.ts
// runs the same scenarios against the engine. The second run adds event latency, which must
// change when events arrive, never what a trace says.
describe.each([
  ['simulator conformance', 0],
  ['simulator conformance with delayed events', 20],
])('%s', (_name, eventLatencyMs) => {
  let world: World;

  beforeAll(async () => {
    world = await createSimulatorWorld({ eventLatencyMs });
    await prepareWorld(world);
  });

  afterAll(async () => {
    await world.close();
  });

  it.each(SCENARIOS.map((scenario) => [scenario.title, scenario] as const))('%s', async (_title, scenario) => {
    const trace = await runScenario(world, scenario);
    expect(trace).toEqual(scenario.expected);
  });
});
