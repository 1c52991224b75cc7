import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerodeEngine } from '../../src/engine/dockerode/dockerode-engine.js';
import { LABELS } from '../../src/domain/labels.js';
import type { Orchestrator } from '../../src/orchestrator.js';
import { image, SOCKET_PATH } from '../podman/support/env.js';
import { createLaneDaemon, type LaneDaemon } from '../podman/support/orchestrator-fixture.js';
import { containersWithLabel, inspectJson, kill, pushUniqueTag } from '../podman/support/podman-cli.js';
import { until } from '../support/until.js';
import { countingInFlight } from './support/in-flight.js';
import {
  expectForeignUntouched,
  expectNoDuplicates,
  makeForeignNamed,
  removeForeignTagged,
  type ForeignMark,
} from './support/invariants.js';
import { chaosLane } from './support/lane.js';

// podman's API service restarted while podwarden installs four apps (pulls from the registry
// and creates under way, a pass listing the engine), and a running app's container killed
// while the service is down. Runs only under the engine-tests lock (the service is shared).

const run = promisify(execFile);
const lane = chaosLane();
let daemon: LaneDaemon;
let orchestrator: Orchestrator;
let foreign: ForeignMark;
const apps = ['i1', 'i2', 'i3', 'i4'];

beforeAll(async () => {
  daemon = await createLaneDaemon();
  await daemon.writeManifest('steady', { image: image('httpd'), stopTimeout: '2s' });
  // Tags no engine has yet: each install is a real registry pull, under way when the service goes.
  for (const appId of apps)
    await daemon.writeManifest(appId, { image: await pushUniqueTag('httpd'), stopTimeout: '2s' });
  foreign = await makeForeignNamed(daemon.instance, `${daemon.namePrefix}steady-copy`, image('httpd'));
  const counted = countingInFlight(createDockerodeEngine({ socketPath: SOCKET_PATH }));
  orchestrator = await daemon.boot({
    engine: counted.engine,
    intervalMs: 10 * 60_000,
    backoff: { initialMs: 1_000, maxMs: 5_000, budget: { restarts: 100, windowMs: 60 * 60_000 } },
  });
});

afterAll(async () => {
  // Whatever happened, leave the engine up for the next file.
  await run('bash', ['scripts/setup-engine.sh']);
  await daemon?.cleanup();
  await removeForeignTagged(daemon.instance);
});

describe('the engine API service restarted under podwarden', () => {
  it('mid-install and mid-pass: every app ends running in one container; a kill while it was down is healed', async () => {
    await orchestrator.install('steady');
    await until(
      'steady to run',
      () => orchestrator.status().find((row) => row.appId === 'steady')?.state === 'running',
      120_000,
      100,
    );
    const steady = orchestrator.status().find((row) => row.appId === 'steady')!.containerId!;

    for (const appId of apps) await orchestrator.install(appId);
    void orchestrator.reconcileNow().catch(() => undefined);
    const restarted = lane.restartEngineApi();
    // While it is down (or coming back), the steady app's container is killed: nobody hears it.
    await kill(daemon.containerName('steady')).catch(() => undefined);
    await restarted;

    await until(
      () =>
        `every app running after the restart: ${JSON.stringify(orchestrator.status().map((row) => [row.appId, row.state, row.reason]))}`,
      async () => {
        const rows = orchestrator.status();
        if (rows.length !== apps.length + 1 || rows.some((row) => row.state !== 'running')) return false;
        const containers = await containersWithLabel(LABELS.owner, daemon.instance);
        return containers.length === apps.length + 1 && containers.every((container) => container.state === 'running');
      },
      240_000,
      500,
    );
    expectNoDuplicates(await containersWithLabel(LABELS.owner, daemon.instance));
    expect((await inspectJson(daemon.containerName('steady'))).Id).toBe(steady);
    await expectForeignUntouched([foreign]);
    await until(
      () => `/healthz to be ok: ${JSON.stringify(orchestrator.health())}`,
      () => orchestrator.health().ok,
      60_000,
    );
  });
});
