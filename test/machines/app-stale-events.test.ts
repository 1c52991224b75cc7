import { describe, expect, it } from 'vitest';
import type { ContainerObservation } from '../../src/domain/container-observation.js';
import { BACKOFF, event, exitedContainer, harness } from './app-harness.js';

/**
 * Engine events against what the app machine already knows, with real engine times (the model
 * in test/model lets no time pass during a step, so it cannot date an event between a start's
 * beginning and its answer).
 */

describe('app machine: engine events older than what it knows', () => {
  it('counts a die dated after the start began but delivered after start answered as a crash', async () => {
    const t = harness(10_000);
    try {
      expect(t.state()).toBe('"rendering"');
      await t.answer({ changed: false });
      expect(t.state()).toBe('"starting"');
      // The container ran for a moment: it died before start answered; podman tells ~250 ms later.
      await t.answer({ begunAt: 10_000, at: 10_120 });
      expect(t.state()).toContain('running');
      t.child.send({ type: 'CONTAINER_EVENT', event: event('die', 10_060) });
      expect(t.state()).toBe('"backoff"');
      expect(t.status()).toBe('exited');
    } finally {
      t.stop();
    }
  });

  it('drops the start and die of a run a pass already saw end, so the backoff starts the container again', async () => {
    const t = harness(10_000);
    try {
      await t.answer({ changed: false });
      await t.answer({ begunAt: 10_000, at: 10_120 });
      // The pass looked at 10_500 and saw the container exited: a crash, then backoff.
      t.child.send({
        type: 'OBSERVED',
        passId: 1,
        observedAt: 10_500,
        container: { ...exitedContainer(10_000), finishedAt: 10_400 },
      });
      expect(t.state()).toBe('"backoff"');
      // The events of that run arrive late, dated before the pass looked.
      t.child.send({ type: 'CONTAINER_EVENT', event: event('start', 10_350) });
      t.child.send({ type: 'CONTAINER_EVENT', event: event('die', 10_400) });
      expect(t.status()).toBe('exited');
      t.clock.increment(BACKOFF.maxMs);
      expect(t.state()).toBe('"rendering"');
    } finally {
      t.stop();
    }
  });

  it('applies an event dated in the same millisecond as the pass looked (it may have happened after the look)', async () => {
    const t = harness(10_000);
    try {
      await t.answer({ changed: false });
      await t.answer({ begunAt: 10_000, at: 10_120 });
      const running: ContainerObservation = { ...exitedContainer(10_000), status: 'running', pid: 42 };
      delete running.exitCode;
      t.child.send({ type: 'OBSERVED', passId: 1, observedAt: 10_500, container: running });
      expect(t.state()).toContain('running');
      t.child.send({ type: 'CONTAINER_EVENT', event: event('die', 10_499) });
      expect(t.state()).toContain('running');
      t.child.send({ type: 'CONTAINER_EVENT', event: event('die', 10_500) });
      expect(t.state()).toBe('"backoff"');
    } finally {
      t.stop();
    }
  });
});
