import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PassReport } from '../../machines/types.js';
import { image } from './support/env.js';
import { createWorld, waitForState, type World } from './support/orchestrator-fixture.js';
import { inspectJson, kill } from './support/podman-cli.js';

const run = promisify(execFile);
const SERVICE_PIDFILE = '/run/podwarden-dev/podman-service.pid';

let world: World;
beforeEach(async () => {
  world = await createWorld();
});
afterEach(async () => {
  // Whatever happened, leave the engine up for the next file.
  await run('bash', ['scripts/setup-engine.sh']);
  await world.cleanup();
});

describe('an engine restart under podwarden (real podman API service)', () => {
  it('reconnects its event stream and resyncs: a container killed while the API was down is restarted', async () => {
    await world.writeManifest('web', { image: image('httpd') });
    const orchestrator = await world.boot({ intervalMs: 10 * 60_000 });
    const passes: PassReport[] = [];
    orchestrator.passes$.subscribe((pass) => passes.push(pass));
    await orchestrator.install('web');
    const before = await waitForState(orchestrator, 'web', 'running');

    // Stop the API service (containers live on without it), and kill the app's container
    // while nobody can hear its events.
    const pid = Number((await readFile(SERVICE_PIDFILE, 'utf8')).trim());
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 100; i += 1) {
      try {
        process.kill(pid, 0);
        await new Promise((resolve) => setTimeout(resolve, 100));
      } catch {
        break;
      }
    }
    await kill(world.containerName('web'));
    const passesWhileDown = passes.length;

    await run('bash', ['scripts/setup-engine.sh']);
    // Reconnect (retry ≤ 5 s) → resync pass → the exit is seen and the container started again.
    const deadline = Date.now() + 30_000;
    while ((await inspectJson(world.containerName('web'))).State.Status !== 'running') {
      if (Date.now() > deadline) throw new Error(`not restarted; status ${JSON.stringify(orchestrator.status())}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(passes.length).toBeGreaterThan(passesWhileDown);
    const after = await waitForState(orchestrator, 'web', 'running');
    expect(after.containerId).toBe(before.containerId);
  });
});
