import { describe, expect, it } from 'vitest';
import { createSimDaemon, image, REGISTRY, useSimDaemons } from './sim-daemon.js';
import { containerSpec } from '../support/container-spec.js';

// Issue 11: a container name freed by a foreign container was noticed only at the next backoff
// retry (83 s there, up to 5 min), though the engine reports the removal.

const HOUR = 60 * 60_000;
useSimDaemons();

describe('a name held by a foreign container', () => {
  it("the app waits in backoff saying who holds it; the holder's removal lets it go on at once", async () => {
    const daemon = await createSimDaemon(
      { web: { image: image('httpd') } },
      // A backoff far longer than the test: only the freed name can bring the app up.
      { intervalMs: HOUR, backoff: { initialMs: HOUR, maxMs: HOUR, jitter: 0 } },
    );
    // Someone else's container, named as podwarden names web's, without podwarden's labels.
    await daemon.engine.pull(image('httpd'), { insecureRegistries: [REGISTRY] });
    const foreign = await daemon.engine.create(
      containerSpec('podwarden-web', image('httpd'), { labels: { owner: 'someone' } }),
    );
    await daemon.orchestrator.install('web');
    await daemon.advance(1_000);
    const row = daemon.orchestrator.status().find((entry) => entry.appId === 'web')!;
    expect(row.state).toBe('backoff');
    expect(row.failureReason).toMatchObject({ kind: 'name-taken', name: 'podwarden-web' });
    expect(row.failure).toMatch(/^container name podwarden-web is held by a container podwarden does not own/);
    const creates = daemon.engine.control.calls.create;

    daemon.engine.control.removeBehindBack(foreign.id);
    await daemon.advance(100);
    expect(daemon.state('web')).toBe('running');
    expect(daemon.engine.control.calls.create).toBe(creates + 1);
    // Its own container now, and the foreign one was never touched by podwarden before its owner removed it.
    expect((await daemon.engine.inspect('podwarden-web'))!.labels['io.podwarden.app']).toBe('web');
  });

  it("a name freed while the watch's stream was down is found by looking once it reconnects", async () => {
    const daemon = await createSimDaemon(
      { web: { image: image('httpd') } },
      { intervalMs: HOUR, backoff: { initialMs: HOUR, maxMs: HOUR, jitter: 0 } },
    );
    await daemon.engine.pull(image('httpd'), { insecureRegistries: [REGISTRY] });
    const foreign = await daemon.engine.create(containerSpec('podwarden-web', image('httpd')));
    await daemon.advance(100);
    // The watch's streams fail (the first retry's wait is immediate, so it opens twice): it reconnects after a moment.
    daemon.engine.control.failNext('events', 'unreachable', 2);
    await daemon.orchestrator.install('web');
    await daemon.advance(100);
    expect(daemon.state('web')).toBe('backoff');
    // Only podwarden's own stream is open: nobody hears the removal.
    expect(daemon.engine.control.openEventStreams).toBe(1);
    daemon.engine.control.removeBehindBack(foreign.id);
    await daemon.advance(10_000);
    expect(daemon.state('web')).toBe('running');
  });
});
