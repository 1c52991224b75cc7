import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LABELS } from '../../src/domain/labels.js';
import { image } from './support/env.js';
import { until } from '../support/until.js';
import { recordingPodmanCalls } from './support/engine-spy.js';
import { createLaneDaemon, waitForState, waitForStatus, type LaneDaemon } from './support/orchestrator-fixture.js';
import { inspectJson, kill, startEventRecorder } from './support/podman-cli.js';

const NO_TICK = 10 * 60_000;
/** What podwarden's exec probes (an image's HEALTHCHECK here) leave in podman's event record. */
const PROBE_EVENTS = ['exec', 'exec_died', 'health_status'];

/** podwarden's own engine calls, in order; `podman events` may miss a line, so it only bounds what happened. */
const spying = () => recordingPodmanCalls('create', 'start');

let daemon: LaneDaemon;
beforeEach(async () => {
  daemon = await createLaneDaemon();
});
afterEach(async () => {
  await daemon.cleanup();
});

describe('dependencies between apps on real podman', () => {
  it('start in dependency order: the dependency is started before its dependent', async () => {
    await daemon.writeManifest('lnd', { image: image('httpd') }, { dependsOn: ['bitcoind'] });
    await daemon.writeManifest('bitcoind', { image: image('sleeper') });
    const counted = spying();
    const orchestrator = await daemon.boot({ intervalMs: NO_TICK, engine: counted.engine });
    // The dependent is installed first: the order comes from the graph, not from the commands.
    await orchestrator.install('lnd');
    await orchestrator.install('bitcoind');
    const lnd = await waitForState(orchestrator, 'lnd', 'running');
    const bitcoind = orchestrator.status().find((row) => row.appId === 'bitcoind')!;
    const calls = counted.log.map(
      (c) =>
        `${c.call} ${c.subject === lnd.containerId ? 'lnd' : c.subject === bitcoind.containerId ? 'bitcoind' : c.subject}`,
    );
    // lnd's container is only created once bitcoind's has started.
    expect(calls).toEqual([
      `create ${daemon.containerName('bitcoind')}`,
      'start bitcoind',
      `create ${daemon.containerName('lnd')}`,
      'start lnd',
    ]);
  });

  it('a killed dependency is restarted alone: its running dependent keeps the same container, no die, no start', async () => {
    await daemon.writeManifest('lnd', { image: image('httpd') }, { dependsOn: ['bitcoind'] });
    await daemon.writeManifest('bitcoind', { image: image('httpd') });
    const counted = spying();
    const orchestrator = await daemon.boot({ intervalMs: NO_TICK, engine: counted.engine });
    await orchestrator.install('bitcoind');
    await orchestrator.install('lnd');
    await waitForState(orchestrator, 'lnd', 'running');
    const lnd = await inspectJson(daemon.containerName('lnd'));
    const bitcoindId = (await inspectJson(daemon.containerName('bitcoind'))).Id;
    const callsBefore = counted.log.length;
    const recorder = startEventRecorder(`${LABELS.owner}=${daemon.instance}`);
    await kill(daemon.containerName('bitcoind'));
    await until(
      'the restart of bitcoind',
      () => counted.log.slice(callsBefore).some((c) => c.call === 'start' && c.subject === bitcoindId),
      60_000,
    );
    await waitForState(orchestrator, 'bitcoind', 'running');
    await orchestrator.reconcileNow();
    const events = await recorder.stop();
    expect(counted.log.slice(callsBefore)).toEqual([{ call: 'start', subject: bitcoindId }]);
    // lnd's image HEALTHCHECK runs as podwarden's exec probe every 5 s (exec, exec_died): not a touch.
    expect(events.filter((e) => e.name === daemon.containerName('lnd') && !PROBE_EVENTS.includes(e.status))).toEqual(
      [],
    );
    const after = await inspectJson(daemon.containerName('lnd'));
    expect(after.Id).toBe(lnd.Id);
    expect(after.State.StartedAt).toBe(lnd.State.StartedAt);
    expect(orchestrator.status().find((row) => row.appId === 'lnd')).toMatchObject({ state: 'running', failures: 0 });
  });

  it('a dependency that cannot start holds its dependent in the visible waiting state, with no start attempts', async () => {
    await daemon.writeManifest('lnd', { image: image('httpd') }, { dependsOn: ['bitcoind'] });
    // Its image is not in the registry: every pull fails, so it never runs. (A crasher runs for
    // a moment each time, and without a readiness probe a running app counts as ready.)
    await daemon.writeManifest('bitcoind', { image: image('httpd').replace('/httpd:', '/not-published:') });
    const counted = spying();
    const recorder = startEventRecorder(`${LABELS.owner}=${daemon.instance}`);
    const orchestrator = await daemon.boot({
      intervalMs: NO_TICK,
      engine: counted.engine,
      backoff: { initialMs: 300, maxMs: 600 },
    });
    await orchestrator.install('bitcoind');
    await orchestrator.install('lnd');
    await waitForStatus(orchestrator, 'bitcoind', 'fail a few times', (row) => row.failures >= 3, 60_000);
    const lnd = orchestrator.status().find((row) => row.appId === 'lnd')!;
    const events = await recorder.stop();
    expect(lnd.state).toBe('waiting');
    expect(lnd.reason).toBe('waiting for bitcoind (not ready)');
    expect(lnd.failures).toBe(0);
    expect(counted.log).toEqual([]);
    expect(events).toEqual([]);
  });

  it('a dependency cycle is a clear catalog error; the apps on it cannot be installed, the others can', async () => {
    await daemon.writeManifest('lnd', { image: image('httpd') }, { dependsOn: ['bitcoind'] });
    await daemon.writeManifest('bitcoind', { image: image('httpd') }, { dependsOn: ['lnd'] });
    await daemon.writeManifest('web', { image: image('httpd') });
    const orchestrator = await daemon.boot({ intervalMs: NO_TICK });
    expect(orchestrator.catalogErrors().map((error) => error.message)).toEqual([
      expect.stringContaining('dependency cycle bitcoind → lnd → bitcoind'),
      expect.stringContaining('dependency cycle bitcoind → lnd → bitcoind'),
    ]);
    await expect(orchestrator.install('lnd')).rejects.toThrow(/dependency cycle bitcoind → lnd → bitcoind/);
    await orchestrator.install('web');
    await waitForState(orchestrator, 'web', 'running');
  });
});
