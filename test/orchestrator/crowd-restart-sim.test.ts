import { describe, expect, it } from 'vitest';
import { sampleRegistry } from '../../src/engine/simulator/simulator-images.js';
import { createSimulatedEngine, type SimulatedEngine } from '../../src/engine/simulator/simulator.js';
import type { OrchestratorOptions } from '../../src/orchestrator.js';
import { createSimDaemon, image, REGISTRY, useSimDaemons } from './sim-daemon.js';

// Issue 11, "no bound on engine calls": 50 apps killed at once put 46 starts in flight at once
// (single starts up to 10.6 s, a 10 s backoff stretched to 22.6 s).

const HOUR = 60 * 60_000;
const MUTATING = ['pull', 'create', 'start', 'stop', 'remove'] as const;
useSimDaemons();

/** The simulator with its mutating calls counted as they reach it: the most at once, and the starts. */
function countedEngine(): { engine: SimulatedEngine; most: () => number; began: string[] } {
  const engine = createSimulatedEngine({ registry: sampleRegistry(REGISTRY) });
  let inFlight = 0;
  let most = 0;
  const began: string[] = [];
  for (const method of MUTATING) {
    const original = (engine[method] as (...args: unknown[]) => Promise<unknown>).bind(engine);
    (engine as unknown as Record<string, unknown>)[method] = async (...args: unknown[]) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      began.push(`${method} ${typeof args[0] === 'string' ? args[0] : (args[0] as { name: string }).name}`);
      try {
        return await original(...args);
      } finally {
        inFlight -= 1;
      }
    };
  }
  return { engine, most: () => most, began };
}

async function crowd(apps: number, engineWork: OrchestratorOptions['engineWork']) {
  const counted = countedEngine();
  const ids = Array.from({ length: apps }, (_, i) => `app${i}`);
  const daemon = await createSimDaemon(Object.fromEntries(ids.map((id) => [id, { image: image('httpd') }])), {
    engine: counted.engine,
    intervalMs: HOUR,
    ...(engineWork ? { engineWork } : {}),
  });
  for (const id of ids) await daemon.orchestrator.install(id);
  await daemon.advance(1_000);
  expect(ids.every((id) => daemon.state(id) === 'running')).toBe(true);
  // Each start takes podman a while under load.
  counted.engine.control.setCallLatency(200);
  const before = counted.began.length;
  const containers = ids.map((id) => daemon.containerId(id)!);
  const mostSince = counted.most;
  for (const id of containers) counted.engine.control.kill(id);
  await daemon.advance(60_000);
  const most = mostSince();
  const starts = counted.began.slice(before).filter((call) => call.startsWith('start '));
  return { daemon, ids, containers, most, starts };
}

describe('50 apps killed at once (simulated engine and clock)', () => {
  it('all run again with at most 4 mutating engine calls at once (the default), one start each', async () => {
    const { daemon, ids, containers, most, starts } = await crowd(50, undefined);
    expect(ids.every((id) => daemon.state(id) === 'running')).toBe(true);
    expect(ids.map((id) => daemon.containerId(id))).toEqual(containers);
    expect(most).toBeLessThanOrEqual(4);
    expect(starts.sort()).toEqual(containers.map((id) => `start ${id}`).sort());
  });

  it('unbounded (what podwarden did before): every start at once', async () => {
    const { most } = await crowd(50, { maxInFlight: Infinity });
    expect(most).toBe(50);
  });

  it('a crashed app restarts while slow pulls hold the queue: restarts before pulls', async () => {
    const counted = countedEngine();
    const daemon = await createSimDaemon(
      {
        web: { image: image('httpd') },
        p1: { image: image('sleeper') },
        p2: { image: image('crasher') },
        p3: { image: image('chatter') },
      },
      { engine: counted.engine, intervalMs: HOUR, engineWork: { maxInFlight: 2 } },
    );
    await daemon.orchestrator.install('web');
    await daemon.advance(1_000);
    counted.engine.control.setPullLatency(10 * 60_000);
    const before = counted.began.length;
    for (const id of ['p1', 'p2', 'p3']) await daemon.orchestrator.install(id);
    await daemon.advance(1_000);
    const web = daemon.containerId('web')!;
    counted.engine.control.kill(web);
    await daemon.advance(1_000);
    expect(daemon.state('web')).toBe('running');
    expect(['p1', 'p2', 'p3'].map((id) => daemon.state(id))).toEqual(['pulling', 'pulling', 'pulling']);
    // One pull under way, the other two waiting: one slot always stays free for restarts.
    expect(counted.began.slice(before).filter((call) => call.startsWith('pull '))).toHaveLength(1);
    expect(counted.began.filter((call) => call === `start ${web}`)).toHaveLength(2);
    // Let the registry answer, so the daemon can stop (a pull is never cut).
    counted.engine.control.setPullLatency(0);
    await daemon.advance(10 * 60_000);
    expect(['p1', 'p2', 'p3'].map((id) => daemon.state(id))).not.toContain('pulling');
  });
});
