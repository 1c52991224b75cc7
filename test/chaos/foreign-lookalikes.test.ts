import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerodeEngine } from '../../src/engine/dockerode/dockerode-engine.js';
import { LABELS } from '../../src/domain/labels.js';
import type { Orchestrator } from '../../src/orchestrator.js';
import { image, SOCKET_PATH } from '../podman/support/env.js';
import {
  createLaneDaemon,
  waitForState,
  waitForStatus,
  type LaneDaemon,
} from '../podman/support/orchestrator-fixture.js';
import { containersWithLabel, podman } from '../podman/support/podman-cli.js';
import {
  expectForeignUntouched,
  expectNoDuplicates,
  makeForeignNamed,
  removeForeignTagged,
  type ForeignMark,
} from './support/invariants.js';
import { countingInFlight } from './support/in-flight.js';

// Containers that look like podwarden's but are someone else's: one holding an app's exact
// container name, one with a similar name, one of another podwarden instance holding another
// app's name, one with podwarden's app label but no owner label. podwarden touches none of
// them; an app whose name is held waits and says who holds it, and goes on the moment the
// holder is removed (issue 11: only at its next backoff retry, up to 5 min later).

const HOUR = 60 * 60_000;
let daemon: LaneDaemon;
let orchestrator: Orchestrator;
let counted: ReturnType<typeof countingInFlight>;
let foreign: ForeignMark[];
let nameHolder: ForeignMark;

beforeAll(async () => {
  daemon = await createLaneDaemon();
  await daemon.writeManifest('web', { image: image('httpd'), stopTimeout: '2s' });
  await daemon.writeManifest('db', { image: image('httpd'), stopTimeout: '2s' });
  const tag = daemon.instance;
  nameHolder = await makeForeignNamed(tag, daemon.containerName('web'), image('httpd'));
  foreign = [
    await makeForeignNamed(tag, `${daemon.containerName('web')}-old`, image('httpd')),
    await makeForeignNamed(tag, daemon.containerName('db'), image('httpd'), {
      [LABELS.owner]: `${daemon.instance}-other`,
      [LABELS.app]: 'db',
    }),
    await makeForeignNamed(tag, `${daemon.namePrefix}lookalike`, image('httpd'), { [LABELS.app]: 'web' }),
  ];
  counted = countingInFlight(createDockerodeEngine({ socketPath: SOCKET_PATH }));
  // A backoff far longer than the test: only the freed name can let web go on in time.
  orchestrator = await daemon.boot({
    engine: counted.engine,
    intervalMs: 10 * 60_000,
    backoff: { initialMs: HOUR, maxMs: HOUR, jitter: 0 },
  });
});

afterAll(async () => {
  await daemon?.cleanup();
  await removeForeignTagged(daemon.instance);
});

describe('foreign look-alike containers', () => {
  it('are never touched; an app whose name is held waits, saying so, and goes on once the holder is removed', async () => {
    await orchestrator.install('web');
    await orchestrator.install('db');
    for (const appId of ['web', 'db']) {
      const row = await waitForStatus(
        orchestrator,
        appId,
        'wait for its name',
        (entry) => entry.failureReason?.kind === 'name-taken',
      );
      expect(row.failure).toContain(
        `container name ${daemon.containerName(appId)} is held by a container podwarden does not own`,
      );
    }
    await expectForeignUntouched([nameHolder, ...foreign]);

    // The holder's owner removes it: web is made at once, long before its hour of backoff.
    await podman(['rm', '-f', '-t', '0', nameHolder.name]);
    const web = await waitForState(orchestrator, 'web', 'running', 60_000);
    expect(web.containerId).not.toBe(nameHolder.id);

    await orchestrator.reconcileNow();
    await expectForeignUntouched(foreign);
    const foreignIds = new Set([nameHolder.id, ...foreign.map((mark) => mark.id)]);
    expect(counted.calls.filter(({ call, subject }) => call !== 'create' && foreignIds.has(subject))).toEqual([]);
    expect(
      orchestrator
        .status()
        .map((row) => row.appId)
        .sort(),
    ).toEqual(['db', 'web']);
    expectNoDuplicates(await containersWithLabel(LABELS.owner, daemon.instance));
  });
});
