import { describe, expect, it } from 'vitest';
import { createSimWorld, image, REGISTRY, useSimWorlds } from './sim-world.js';
import { containerSpec } from '../support/container-spec.js';

// Issue 11: a container name freed by a foreign container was noticed only at the next backoff
// retry (83 s there, up to 5 min), though the engine reports the removal.

const HOUR = 60 * 60_000;
useSimWorlds();

describe('a name held by a foreign container', () => {
  it("the app waits in backoff saying who holds it; the holder's removal lets it go on at once", async () => {
    const world = await createSimWorld(
      { web: { image: image('httpd') } },
      // A backoff far longer than the test: only the freed name can bring the app up.
      { intervalMs: HOUR, backoff: { initialMs: HOUR, maxMs: HOUR, jitter: 0 } },
    );
    // Someone else's container, named as podwarden names web's, without podwarden's labels.
    await world.engine.pull(image('httpd'), { insecureRegistries: [REGISTRY] });
    const foreign = await world.engine.create(
      containerSpec('podwarden-web', image('httpd'), { labels: { owner: 'someone' } }),
    );
    await world.orchestrator.install('web');
    await world.advance(1_000);
    const row = world.orchestrator.status().find((entry) => entry.appId === 'web')!;
    expect(row.state).toBe('backoff');
    expect(row.failureReason).toMatchObject({ kind: 'name-taken', name: 'podwarden-web' });
    expect(row.failure).toMatch(/^container name podwarden-web is held by a container podwarden does not own/);
    const creates = world.engine.control.calls.create;

    world.engine.control.removeBehindBack(foreign.id);
    await world.advance(100);
    expect(world.state('web')).toBe('running');
    expect(world.engine.control.calls.create).toBe(creates + 1);
    // Its own container now, and the foreign one was never touched by podwarden before its owner removed it.
    expect((await world.engine.inspect('podwarden-web'))!.labels['io.podwarden.app']).toBe('web');
  });

  it("a name freed while the watch's stream was down is found by looking once it reconnects", async () => {
    const world = await createSimWorld(
      { web: { image: image('httpd') } },
      { intervalMs: HOUR, backoff: { initialMs: HOUR, maxMs: HOUR, jitter: 0 } },
    );
    await world.engine.pull(image('httpd'), { insecureRegistries: [REGISTRY] });
    const foreign = await world.engine.create(containerSpec('podwarden-web', image('httpd')));
    await world.advance(100);
    // The watch's streams fail (the first retry's wait is immediate, so it opens twice): it reconnects after a moment.
    world.engine.control.failNext('events', 'unreachable', 2);
    await world.orchestrator.install('web');
    await world.advance(100);
    expect(world.state('web')).toBe('backoff');
    // Only podwarden's own stream is open: nobody hears the removal.
    expect(world.engine.control.openEventStreams).toBe(1);
    world.engine.control.removeBehindBack(foreign.id);
    await world.advance(10_000);
    expect(world.state('web')).toBe('running');
  });
});
