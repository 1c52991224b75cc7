import { describe, expect, it, vi } from 'vitest';
import { useFakeClock } from '../support/fake-clock.js';
import type { DeclaredApp } from '../../machines/supervisor.machine.js';
import { containerSpec } from '../support/container-spec.js';
import { startSupervisor } from './supervisor-harness.js';

const INTERVAL = 30_000;

useFakeClock();

describe('the reconcile loop behind the recovery gate (simulated clock)', () => {
  it('runs the first pass at once when the gate opens and the second after exactly one interval', async () => {
    const { world } = startSupervisor({ intervalMs: INTERVAL });
    await vi.advanceTimersByTimeAsync(0);
    expect(world.gate).toEqual(['recovered']);
    expect(world.observeCalls).toBe(1);
    await vi.advanceTimersByTimeAsync(INTERVAL - 1);
    expect(world.observeCalls).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(world.observeCalls).toBe(2);
    await vi.advanceTimersByTimeAsync(INTERVAL * 3);
    expect(world.observeCalls).toBe(5);
    expect(world.passes.map((pass) => pass.passId)).toEqual([1, 2, 3, 4, 5]);
  });

  it('runs no pass while an embedding daemon holds the gate, and one at once when it releases it', async () => {
    const { actor, world } = startSupervisor({ intervalMs: INTERVAL, holdGateForEmbedder: true });
    await vi.advanceTimersByTimeAsync(INTERVAL * 10);
    expect(world.recoverCalls).toBe(1);
    expect(world.observeCalls).toBe(0);
    expect(actor.getSnapshot().matches('recovering')).toBe(true);
    actor.send({ type: 'RELEASE_GATE' });
    await vi.advanceTimersByTimeAsync(0);
    expect(world.gate).toEqual(['recovered']);
    expect(world.observeCalls).toBe(1);
    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect(world.observeCalls).toBe(2);
  });

  it('opens the gate by itself at its cap, with a warning, when recovery never finishes', async () => {
    const cap = 30 * 60_000;
    const { world } = startSupervisor({ intervalMs: INTERVAL, recoveryHangs: true, gateCapMs: cap });
    await vi.advanceTimersByTimeAsync(cap - 1);
    expect(world.observeCalls).toBe(0);
    expect(world.gate).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(world.gate).toEqual(['cap']);
    await vi.advanceTimersByTimeAsync(0); // lets the pass's list call answer
    expect(world.observeCalls).toBe(1);
  });

  it('opens at the cap when the embedder never releases it', async () => {
    const { world } = startSupervisor({ intervalMs: INTERVAL, holdGateForEmbedder: true, gateCapMs: 60_000 });
    await vi.advanceTimersByTimeAsync(59_999);
    expect(world.observeCalls).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(world.gate).toEqual(['cap']);
    await vi.advanceTimersByTimeAsync(0); // lets the pass's list call answer
    expect(world.observeCalls).toBe(1);
  });

  it('stops the loop on SHUTDOWN: no pass afterwards', async () => {
    const { actor, world } = startSupervisor({ intervalMs: INTERVAL });
    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect(world.observeCalls).toBe(2);
    actor.send({ type: 'SHUTDOWN' });
    expect(actor.getSnapshot().status).toBe('done');
    await vi.advanceTimersByTimeAsync(INTERVAL * 5);
    expect(world.observeCalls).toBe(2);
  });

  it('stops while the gate is still closed', async () => {
    const { actor, world } = startSupervisor({ intervalMs: INTERVAL, holdGateForEmbedder: true });
    await vi.advanceTimersByTimeAsync(1_000);
    actor.send({ type: 'SHUTDOWN' });
    expect(actor.getSnapshot().status).toBe('done');
    await vi.advanceTimersByTimeAsync(60 * 60_000);
    expect(world.observeCalls).toBe(0);
    expect(world.gate).toEqual([]);
  });

  it('keeps ticking after passes whose engine calls fail, and reports each failure', async () => {
    const { world } = startSupervisor({ intervalMs: INTERVAL });
    world.observeFails = true;
    await vi.advanceTimersByTimeAsync(INTERVAL * 2);
    expect(world.observeCalls).toBe(3);
    expect(world.passes).toHaveLength(3);
    expect(world.passes.every((pass) => pass.error?.includes('ENOENT'))).toBe(true);
    world.observeFails = false;
    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect(world.passes[3]?.error).toBeUndefined();
  });

  it('runs a pass each time the engine event stream (re)connects, so nothing falls between list and stream', async () => {
    const { world } = startSupervisor({ intervalMs: INTERVAL });
    await vi.advanceTimersByTimeAsync(0);
    expect(world.observeCalls).toBe(1);
    world.engine.next({ type: 'ENGINE.CONNECTED', reconnect: false });
    await vi.advanceTimersByTimeAsync(0);
    expect(world.observeCalls).toBe(2);
    world.engine.next({ type: 'ENGINE.CONNECTED', reconnect: true });
    await vi.advanceTimersByTimeAsync(0);
    expect(world.observeCalls).toBe(3);
    await vi.advanceTimersByTimeAsync(INTERVAL - 1);
    expect(world.observeCalls).toBe(3);
  });

  it('manages a refused app once it is installed with a manifest it can use, and forgets it on uninstall', async () => {
    const app: DeclaredApp = {
      spec: {
        appId: 'web',
        specHash: 'h-web',
        image: { ref: 'registry.local/demo:1', pullPolicy: 'never' },
        container: containerSpec('podwarden-web', 'registry.local/demo:1'),
      },
      desired: 'stopped',
    };
    const { actor } = startSupervisor({ refused: { web: 'web.yml: app.container.image: required' } });
    await vi.advanceTimersByTimeAsync(0);
    actor.send({ type: 'INSTALL', appId: 'web', app });
    expect(actor.getSnapshot().context.refused).toEqual({});
    expect(actor.getSnapshot().context.apps.web).toBeDefined();
    actor.stop();
  });
});
