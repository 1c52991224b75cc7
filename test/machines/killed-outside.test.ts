import { describe, expect, it } from 'vitest';
import { BACKOFF, event, exitedContainer, harness, runningContainer } from './app-harness.js';

// Issue 11: an app killed by hand every time it came back ended `failed` with "bad config:
// exits at once on every start … check its settings", though each death followed an engine
// `kill` event podwarden did not issue.

/** Three runs, each ended within a second of its start, with or without an outside kill first. */
async function threeQuickDeaths(killFirst: 'kill' | 'stop' | false) {
  const t = harness(100_000);
  for (let round = 0; round < 3; round += 1) {
    expect(t.state()).toBe('"rendering"');
    const begun = t.clock.now();
    await t.rendersAndStarts(begun, begun + 20);
    t.look(begun + 30, runningContainer(begun));
    expect(t.state()).toContain('running');
    const exitCode = killFirst === 'stop' ? 0 : 137;
    const events = [...(killFirst ? [event(killFirst, begun + 300)] : []), event('die', begun + 310, exitCode)];
    t.look(begun + 320, { ...exitedContainer(begun), exitCode, finishedAt: begun + 310 }, events);
    expect(t.state()).toBe('"backoff"');
    // The change to backoff says who ended it (after the backoff, the decision table's words again).
    if (killFirst)
      expect(t.child.getSnapshot().context.reason).toBe(
        killFirst === 'kill' ? 'killed by SIGKILL outside podwarden (exit 137)' : 'stopped outside podwarden (exit 0)',
      );
    t.clock.increment(BACKOFF.maxMs + 1);
  }
  const context = t.child.getSnapshot().context;
  t.stop();
  return context;
}

describe('a death after a kill podwarden did not issue', () => {
  it('is "killed outside podwarden", and never makes a bad-config streak', async () => {
    const context = await threeQuickDeaths('kill');
    expect(context.failure).toEqual({ kind: 'killed-outside', action: 'kill', exitCode: 137 });
    expect(context.quickExits).toBe(0);
    expect(context.failures).toBe(3);
    expect(context.reason).toBe('exited with code 137');
  });

  it('after an engine stop event too', async () => {
    const context = await threeQuickDeaths('stop');
    expect(context.failure).toEqual({ kind: 'killed-outside', action: 'stop', exitCode: 0 });
  });

  it('deaths with no outside cause still make the bad-config verdict', async () => {
    const context = await threeQuickDeaths(false);
    expect(context.failure).toMatchObject({ kind: 'bad-config', quickExits: 3 });
  });

  it('a kill of an earlier run says nothing about this one', async () => {
    const t = harness(100_000);
    const begun = t.clock.now();
    await t.rendersAndStarts(begun, begun + 20);
    t.look(begun + 30, runningContainer(begun));
    // Delivered late: dated before this run began (podman re-sends old events when it rotates its log).
    const events = [event('kill', begun - 5_000), event('die', begun + 5_000, 137)];
    t.look(begun + 5_010, { ...exitedContainer(begun), exitCode: 137, finishedAt: begun + 5_000 }, events);
    expect(t.child.getSnapshot().context.failure).toEqual({ kind: 'exited', exitCode: 137 });
    t.stop();
  });

  it('a kill behind a look that came too late still counts: the look asked for next carries no events', async () => {
    const t = harness(100_000);
    const begun = t.clock.now();
    await t.rendersAndStarts(begun, begun + 20);
    t.look(begun + 400, runningContainer(begun));
    // Asked before the look above answered, dated before it: not believed, yet its kill is news.
    t.look(begun + 350, runningContainer(begun), [event('kill', begun + 300)]);
    t.look(begun + 500, { ...exitedContainer(begun), exitCode: 137, finishedAt: begun + 310 });
    expect(t.child.getSnapshot().context.failure).toEqual({ kind: 'killed-outside', action: 'kill', exitCode: 137 });
    t.stop();
  });
});
