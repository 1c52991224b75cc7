import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Orchestrator } from '../../src/orchestrator.js';
import type { Transition } from '../../src/streams/transitions.js';
import { image } from '../podman/support/env.js';
import { createLaneDaemon, waitForStatus, type LaneDaemon } from '../podman/support/orchestrator-fixture.js';
import { kill } from '../podman/support/podman-cli.js';

// An app killed by hand each time it comes back (issue 11: it ended `failed` with "bad config:
// exits at once on every start", though each death followed an engine kill event).

let daemon: LaneDaemon;
let orchestrator: Orchestrator;
const transitions: Transition[] = [];

beforeAll(async () => {
  daemon = await createLaneDaemon();
  await daemon.writeManifest('victim', { image: image('httpd'), stopTimeout: '2s' });
  orchestrator = await daemon.boot({
    intervalMs: 10 * 60_000,
    backoff: { initialMs: 500, maxMs: 2_000, jitter: 0, budget: { restarts: 100, windowMs: 60 * 60_000 } },
  });
  orchestrator.transitions$.subscribe((transition) => transitions.push(transition));
});

afterAll(async () => {
  await daemon?.cleanup();
});

describe('killed outside podwarden, again and again', () => {
  it('is named so, and never called bad config', async () => {
    await orchestrator.install('victim');
    for (let death = 1; death <= 4; death += 1) {
      const row = await waitForStatus(
        orchestrator,
        'victim',
        `run again (death ${death})`,
        (entry) => entry.state === 'running' && entry.containerStatus === 'running',
      );
      await kill(row.containerId!);
      await waitForStatus(orchestrator, 'victim', `count death ${death}`, (entry) => (entry.restarts ?? 0) >= death);
    }
    const kinds = transitions
      .filter((transition) => transition.to === 'backoff')
      .map((transition) => transition.failureReason?.kind);
    console.log(`failures as podwarden named them: ${kinds.join(', ')}`);
    // Each kill's event names it; podman's event log may lose one now and then, so not all four must.
    expect(kinds).toContain('killed-outside');
    expect(kinds).not.toContain('bad-config');
    const failure = orchestrator.status().find((entry) => entry.appId === 'victim')!.failure;
    expect(failure ?? '').not.toMatch(/bad config/);
  });
});
