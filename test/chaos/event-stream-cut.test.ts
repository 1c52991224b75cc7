import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PassReport } from '../../machines/types.js';
import { createDockerodeEngine } from '../../src/engine/dockerode/dockerode-engine.js';
import type { Orchestrator } from '../../src/orchestrator.js';
import { image, SOCKET_PATH } from '../podman/support/env.js';
import { createLaneDaemon, waitForState, type LaneDaemon } from '../podman/support/orchestrator-fixture.js';
import { containersWithLabel, inspectJson, kill } from '../podman/support/podman-cli.js';
import { LABELS } from '../../src/domain/labels.js';
import { until } from '../support/until.js';
import { countingInFlight } from './support/in-flight.js';
import { expectNoDuplicates } from './support/invariants.js';
import { startSocketProxy, type SocketProxy } from './support/socket-proxy.js';

// podwarden's event stream cut (a proxy between it and podman drops it, and refuses it for a
// while): a container killed while nobody listens is restarted after the reconnect's resync
// pass, once, in the container it had; meanwhile /healthz says the engine is unreachable.

let dir: string;
let proxy: SocketProxy;
let daemon: LaneDaemon;
let orchestrator: Orchestrator;
let counted: ReturnType<typeof countingInFlight>;
const passes: PassReport[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pw-chaos-cut-'));
  proxy = await startSocketProxy(join(dir, 'engine.sock'), SOCKET_PATH);
  daemon = await createLaneDaemon();
  await daemon.writeManifest('web', { image: image('httpd'), stopTimeout: '2s' });
  counted = countingInFlight(createDockerodeEngine({ socketPath: proxy.path }));
  orchestrator = await daemon.boot({ engine: counted.engine, intervalMs: 10 * 60_000 });
  orchestrator.passes$.subscribe((pass) => passes.push(pass));
});

afterAll(async () => {
  await daemon?.cleanup();
  await proxy?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the event stream cut', () => {
  it('a container killed while the stream is down is restarted by the resync pass, once, in its own container', async () => {
    await orchestrator.install('web');
    const before = await waitForState(orchestrator, 'web', 'running');
    const containerId = before.containerId!;

    proxy.refuseEvents = true;
    proxy.cutEvents();
    await until('podwarden to try to reconnect its stream (and be refused)', () => proxy.refused >= 1, 60_000);
    // The proxy counts the refusal as it drops the connection; podwarden hears of it a moment later.
    await until(
      () => `/healthz to say the engine is unreachable: ${JSON.stringify(orchestrator.health())}`,
      () => orchestrator.health().engine === 'unreachable',
    );
    expect(orchestrator.health()).toMatchObject({ ok: false, engine: 'unreachable' });
    counted.reset();
    const passesBefore = passes.length;
    await kill(daemon.containerName('web'));
    await until(
      'podman to show the killed container exited',
      async () => (await inspectJson(containerId)).State.Status === 'exited',
      60_000,
      200,
    );
    // Nobody heard it: podwarden still believes the container runs.
    expect(orchestrator.status().find((row) => row.appId === 'web')!.state).toBe('running');

    proxy.refuseEvents = false;
    await until(
      'the container to run again',
      async () => (await inspectJson(containerId)).State.Status === 'running',
      60_000,
      200,
    );
    await waitForState(orchestrator, 'web', 'running');
    expect(passes.length).toBeGreaterThan(passesBefore);
    expect(counted.calls.map(({ call, subject }) => `${call} ${subject}`)).toEqual([`start ${containerId}`]);
    expectNoDuplicates(await containersWithLabel(LABELS.owner, daemon.instance));
    await until('/healthz to be ok again', () => orchestrator.health().ok, 60_000);
  });
});
