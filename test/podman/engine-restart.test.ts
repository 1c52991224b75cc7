import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PassReport } from '../../machines/types.js';
import { image } from './support/env.js';
import { createLaneDaemon, waitForState, type LaneDaemon } from './support/orchestrator-fixture.js';
import { inspectJson, kill } from './support/podman-cli.js';
import { until } from '../support/until.js';

const run = promisify(execFile);
const SERVICE_PIDFILE = '/run/podwarden-dev/podman-service.pid';

let daemon: LaneDaemon;
beforeEach(async () => {
  daemon = await createLaneDaemon();
});
afterEach(async () => {
  // Whatever happened, leave the engine up for the next file.
  await run('bash', ['scripts/setup-engine.sh']);
  await daemon.cleanup();
});

describe('an engine restart under podwarden (real podman API service)', () => {
  it('reconnects its event stream and resyncs: a container killed while the API was down is restarted', async () => {
    await daemon.writeManifest('web', { image: image('httpd') });
    const orchestrator = await daemon.boot({ intervalMs: 10 * 60_000 });
    const passes: PassReport[] = [];
    orchestrator.passes$.subscribe((pass) => passes.push(pass));
    await orchestrator.install('web');
    const before = await waitForState(orchestrator, 'web', 'running');

    // Stop the API service (containers live on without it), and kill the app's container
    // while nobody can hear its events.
    const pid = Number((await readFile(SERVICE_PIDFILE, 'utf8')).trim());
    process.kill(pid, 'SIGTERM');
    // Until it is really gone (~2.6 s, longer under load): a service still up would hear the
    // kill, and the test would then see no resync pass.
    await until(`the podman API service (pid ${pid}) to exit`, () => !processAlive(pid), 60_000, 100);
    await kill(daemon.containerName('web'));
    const passesWhileDown = passes.length;

    await run('bash', ['scripts/setup-engine.sh']);
    // Reconnect (retry ≤ 5 s) → resync pass → the exit is seen and the container started again.
    await until(
      () => `the container to run again; status ${JSON.stringify(orchestrator.status())}`,
      async () => (await inspectJson(daemon.containerName('web'))).State.Status === 'running',
      60_000,
      200,
    );
    expect(passes.length).toBeGreaterThan(passesWhileDown);
    const after = await waitForState(orchestrator, 'web', 'running');
    expect(after.containerId).toBe(before.containerId);
  });
});

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
