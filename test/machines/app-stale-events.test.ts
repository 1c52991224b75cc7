import { describe, expect, it } from 'vitest';
import { event, exitedContainer, harness, runningContainer } from './app-harness.js';

/**
 * The one freshness rule (machines/app-freshness.ts) with real engine times: an observation
 * is believed only if the engine was asked at or after what the machine knows; engine events
 * only make it look again. (The model in test/model lets no time pass during a step, so it
 * cannot date a look between a start's beginning and its answer.)
 */

describe('app machine: what it believes of its container', () => {
  it("believes a start's answer only after a look: a container that died before start answered is a crash, never running", async () => {
    const t = harness(10_000);
    try {
      expect(t.state()).toBe('"rendering"');
      await t.answer({ changed: false });
      expect(t.state()).toBe('"starting"');
      await t.answer({ begunAt: 10_000, at: 10_120 });
      expect(t.state()).toBe('"confirming"');
      expect(t.received.filter((m) => m.type === 'APP.LOOK_AGAIN')).toHaveLength(1);
      // The container ran for a moment and died before start answered.
      t.look(10_130, { ...exitedContainer(10_000), finishedAt: 10_060 }, [event('die', 10_060)]);
      expect(t.state()).toBe('"backoff"');
      expect(t.received.some((m) => m.type === 'APP.READINESS')).toBe(false);
    } finally {
      t.stop();
    }
  });

  it('does not believe a look asked before its last step answered, and looks again', async () => {
    const t = harness(10_000);
    try {
      await t.rendersAndStarts(10_000, 10_120);
      t.look(10_130, runningContainer(10_000));
      expect(t.state()).toContain('running');
      // Asked during the start (the echo of the container's last run), answered after it.
      t.look(10_110, { ...exitedContainer(9_000), finishedAt: 9_500 }, [event('die', 9_500)]);
      expect(t.state()).toContain('running');
      expect(t.received.filter((m) => m.type === 'APP.LOOK_AGAIN')).toHaveLength(2);
    } finally {
      t.stop();
    }
  });

  it('does not believe a pass that listed the engine before a look it believed', async () => {
    const t = harness(10_000);
    try {
      await t.rendersAndStarts(10_000, 10_120);
      t.look(10_130, runningContainer(10_000));
      t.look(10_600, { ...exitedContainer(10_000), finishedAt: 10_400 }, [event('die', 10_400)]);
      expect(t.state()).toBe('"backoff"');
      // The pass's list went out before that look and still showed the container running.
      t.child.send({ type: 'OBSERVED', passId: 1, observedAt: 10_500, container: runningContainer(10_000) });
      expect(t.status()).toBe('exited');
    } finally {
      t.stop();
    }
  });

  it('believes an observation asked in the same millisecond as what it knows', async () => {
    const t = harness(10_000);
    try {
      await t.rendersAndStarts(10_000, 10_120);
      t.look(10_120, { ...exitedContainer(10_000), finishedAt: 10_110 });
      expect(t.state()).toBe('"backoff"');
    } finally {
      t.stop();
    }
  });

  it('ignores a look at an earlier container of the app', async () => {
    const t = harness(10_000);
    try {
      await t.rendersAndStarts(10_000, 10_120);
      t.look(10_130, runningContainer(10_000));
      t.child.send({ type: 'LOOKED', containerId: 'ctr-old', observedAt: 10_500, container: null, events: [] });
      expect(t.state()).toContain('running');
      expect(t.status()).toBe('running');
    } finally {
      t.stop();
    }
  });
});
