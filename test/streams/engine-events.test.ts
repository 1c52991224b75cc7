import { describe, expect, it, vi } from 'vitest';
import { useFakeClock } from '../support/fake-clock.js';
import type { SupervisorEvent } from '../../machines/supervisor.machine.js';
import { sampleRegistry } from '../../src/engine/simulator/simulator-images.js';
import { createSimulatedEngine } from '../../src/engine/simulator/simulator.js';
import { engineEvents$ } from '../../src/streams/engine-events.js';

useFakeClock();

describe('engineEvents$ (on the simulated engine)', () => {
  it('reconnects after the engine drops the stream, flags the reconnect, and backs off while it is down', async () => {
    const engine = createSimulatedEngine({ registry: sampleRegistry() });
    const seen: SupervisorEvent[] = [];
    const drops: number[] = [];
    const subscription = engineEvents$(
      engine,
      { owner: 'me' },
      {
        retryMs: 100,
        maxRetryMs: 400,
        onDisconnect: (_error, attempt) => drops.push(attempt),
      },
    ).subscribe((event) => seen.push(event));
    await vi.advanceTimersByTimeAsync(1);
    expect(seen).toEqual([{ type: 'ENGINE.CONNECTED', reconnect: false }]);

    engine.control.setReachable(false); // cuts the open stream; new ones fail too
    await vi.advanceTimersByTimeAsync(1_000);
    // Attempts 1, 2, 3, ... waiting 100, 200, 400, 400 ms: capped, never a busy loop.
    expect(drops.slice(0, 4)).toEqual([1, 2, 3, 4]);
    expect(engine.control.calls.events).toBeLessThanOrEqual(6);

    engine.control.setReachable(true);
    await vi.advanceTimersByTimeAsync(500);
    expect(seen.at(-1)).toEqual({ type: 'ENGINE.CONNECTED', reconnect: true });

    // After a good connection the backoff starts again from its first step.
    const before = drops.length;
    engine.control.dropEventStreams();
    await vi.advanceTimersByTimeAsync(102);
    expect(drops.slice(before)).toEqual([1]);
    expect(seen.filter((event) => event.type === 'ENGINE.CONNECTED')).toHaveLength(3);
    subscription.unsubscribe();
    expect(engine.control.openEventStreams).toBe(0);
  });

  it('passes container events through as supervisor events', async () => {
    const engine = createSimulatedEngine({ registry: sampleRegistry() });
    const seen: SupervisorEvent[] = [];
    const subscription = engineEvents$(engine, { owner: 'me' }).subscribe((event) => seen.push(event));
    await vi.advanceTimersByTimeAsync(1);
    await engine.pull('127.0.0.1:5000/podwarden/sleeper:1', { insecureRegistries: ['127.0.0.1:5000'] });
    const { id } = await engine.create({
      name: 'x',
      image: '127.0.0.1:5000/podwarden/sleeper:1',
      env: {},
      labels: { owner: 'me' },
      ports: [],
      mounts: [],
      tmpfs: [],
      capAdd: [],
    });
    await engine.start(id);
    await vi.advanceTimersByTimeAsync(1);
    const actions = seen.flatMap((event) => (event.type === 'ENGINE.CONTAINER' ? [event.event.action] : []));
    expect(actions).toEqual(['create', 'start']);
    subscription.unsubscribe();
  });
});
