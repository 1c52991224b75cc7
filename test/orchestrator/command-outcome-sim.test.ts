import { setTimeout as realSleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { AppStatus } from '../../src/orchestrator.js';
import { PodwardenError } from '../../src/podwarden-error.js';
import { createSimDaemon, image, useSimDaemons, type SimDaemon } from './sim-daemon.js';

const HOUR = 60 * 60_000;
const WAIT = { wait: { timeoutMs: 60_000 } };
useSimDaemons();

/**
 * The command's outcome, with the fake clock moved on (up to `fakeMs`) until it comes. The
 * command first writes desired.json for real: real time passes between steps, so its wait
 * starts (and its deadline is set) while the fake clock still has steps to go.
 */
async function outcomeOf(daemon: SimDaemon, promise: Promise<AppStatus | undefined>, fakeMs = 30_000) {
  let done = false;
  const caught = promise.then(
    (row) => ({ row, error: undefined }),
    (error: unknown) => ({ row: undefined, error: error as PodwardenError }),
  );
  void caught.finally(() => (done = true));
  for (let elapsed = 0; elapsed < fakeMs && !done; elapsed += 250) {
    await realSleep(2);
    await daemon.advance(250);
  }
  return caught;
}

describe('commands that wait for their outcome (simulated engine and clock)', () => {
  it('stop, start and restart resolve once the app is there, with its row', async () => {
    const daemon = await createSimDaemon({ web: { image: image('httpd') } }, { intervalMs: HOUR });
    await daemon.orchestrator.install('web');
    await daemon.advance(100);

    const stopped = outcomeOf(daemon, daemon.orchestrator.stopApp('web', WAIT));
    expect((await stopped).row).toMatchObject({ appId: 'web', state: 'stopped', desired: 'stopped' });

    const started = outcomeOf(daemon, daemon.orchestrator.startApp('web', WAIT));
    expect((await started).row).toMatchObject({ appId: 'web', state: 'running', desired: 'running', ready: true });

    // A restart is answered by the run after it, not by the one it replaced.
    const startsBefore = daemon.starts.length;
    const restarted = outcomeOf(daemon, daemon.orchestrator.restartApp('web', WAIT));
    expect((await restarted).row).toMatchObject({ state: 'running' });
    expect(daemon.starts.length).toBe(startsBefore + 1);
    expect(daemon.transitions.filter((t) => t.appId === 'web' && t.to === 'restarting')).toHaveLength(1);
  });

  it('a start whose dependency is not installed fails at once, naming it; installed and started, it succeeds', async () => {
    const daemon = await createSimDaemon(
      { lnd: { image: image('httpd') }, bitcoind: { image: image('httpd') } },
      { intervalMs: HOUR, appFields: { lnd: { dependsOn: ['bitcoind'] } } },
    );
    const refused = await outcomeOf(daemon, daemon.orchestrator.install('lnd', WAIT));
    expect(refused.error).toBeInstanceOf(PodwardenError);
    expect(refused.error?.code).toBe('not-reached');
    expect(refused.error?.message).toBe('lnd cannot be running and ready: it needs bitcoind, which is not installed');
    // The install itself was applied: lnd waits for bitcoind.
    expect(daemon.state('lnd')).toBe('waiting');

    expect((await outcomeOf(daemon, daemon.orchestrator.install('bitcoind', WAIT))).row).toMatchObject({
      state: 'running',
    });
    await daemon.orchestrator.stopApp('bitcoind');
    const blocked = await outcomeOf(daemon, daemon.orchestrator.restartApp('lnd', WAIT));
    expect(blocked.error?.message).toBe(
      'lnd cannot be running and ready again: it needs bitcoind, which is stopped (podwarden start bitcoind)',
    );

    await daemon.orchestrator.startApp('bitcoind');
    const started = outcomeOf(daemon, daemon.orchestrator.startApp('lnd', WAIT));
    expect((await started).row).toMatchObject({ appId: 'lnd', state: 'running' });
  });

  it('an uninstall that would strand dependents is refused unless forced; waited for, it ends when the app is gone', async () => {
    const daemon = await createSimDaemon(
      { lnd: { image: image('httpd') }, rtl: { image: image('httpd') }, bitcoind: { image: image('httpd') } },
      { intervalMs: HOUR, appFields: { lnd: { dependsOn: ['bitcoind'] }, rtl: { dependsOn: ['bitcoind'] } } },
    );
    for (const appId of ['bitcoind', 'lnd', 'rtl']) await daemon.orchestrator.install(appId);
    await daemon.advance(100);

    const refused = await outcomeOf(daemon, daemon.orchestrator.uninstall('bitcoind', WAIT));
    expect(refused.error?.code).toBe('has-dependents');
    expect(refused.error?.message).toBe(
      'bitcoind is needed by lnd, rtl: uninstall them first, or force it (they then wait for bitcoind)',
    );
    expect(daemon.state('bitcoind')).toBe('running');

    const forced = outcomeOf(daemon, daemon.orchestrator.uninstall('bitcoind', { ...WAIT, force: true }));
    expect(await forced).toEqual({ row: undefined, error: undefined });
    expect(daemon.state('bitcoind')).toBeUndefined();
    expect(daemon.orchestrator.status().find((row) => row.appId === 'lnd')).toMatchObject({ state: 'running' });
  });

  it('an app that keeps crashing times out saying where it stands; a command changing the intent ends the wait', async () => {
    const daemon = await createSimDaemon(
      { crashy: { image: image('crasher') } },
      { intervalMs: HOUR, backoff: { initialMs: 1_000, maxMs: 2_000 } },
    );
    const crashing = outcomeOf(daemon, daemon.orchestrator.install('crashy', { wait: { timeoutMs: 10_000 } }));
    const { error } = await crashing;
    expect(error?.code).toBe('timed-out');
    expect(error?.message).toMatch(
      /^crashy is not running and ready after 10 s: its state is (backoff|starting|confirming|crashed) \(/,
    );

    // It still crashes: the owner's stop, while a restart waits, ends that wait.
    const restarting = outcomeOf(daemon, daemon.orchestrator.restartApp('crashy', WAIT));
    await daemon.orchestrator.stopApp('crashy');
    expect((await restarting).error?.message).toBe(
      'crashy cannot be running and ready again: another command asked for stopped',
    );
  });

  it('a wait under way ends when podwarden stops, saying so', async () => {
    const daemon = await createSimDaemon({ crashy: { image: image('crasher') } }, { intervalMs: HOUR });
    const waiting = outcomeOf(daemon, daemon.orchestrator.install('crashy', WAIT), 2_000);
    await daemon.orchestrator.stop();
    const { error } = await waiting;
    expect(error?.code).toBe('not-started');
    expect(error?.message).toBe('podwarden stopped before crashy was running and ready');
  });
});
