import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { readRecording } from '../../src/replay/read-recording.js';
import type { TimedRecord } from '../../src/replay/records.js';
import { replay } from '../../src/replay/replay.js';
import { compareTransitions, formatTransition, observedTransitions } from '../../src/replay/transition-report.js';
import { image } from '../orchestrator/sim-daemon.js';
import { recordSimSession } from './sim-session.js';

const SECRET = 'hunter2-correct-horse-battery';
const ROTATED = 'staple-9f1c-rotated-secret';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'podwarden-replay-sim-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function records(file: string): Promise<TimedRecord[]> {
  return (await readRecording(file)).records.map(({ record }) => record);
}

/** Replays twice; both runs must agree with each other and, to the millisecond, with the session. */
async function replayMatchesSession(file: string): Promise<string[]> {
  const first = await replay(file);
  const second = await replay(file);
  expect(second.map(formatTransition)).toEqual(first.map(formatTransition));
  const observed = observedTransitions(await readRecording(file));
  expect(compareTransitions(first, observed)).toEqual([]);
  // Recorded on the same virtual clock, the session took no time to react either.
  expect(first.map((transition) => transition.offsetMs)).toEqual(observed.map((transition) => transition.t));
  return first.map(formatTransition);
}

describe('a session recorded on the simulator replays exactly', () => {
  // The rotated secret is an update with a real data snapshot (a `cp` process): slow on a loaded machine.
  it(
    'crashes, an engine outage, a secret rotated by a catalog reload, stop/start, uninstall and a failed command',
    { timeout: 60_000 },
    async () => {
      const file = join(dir, 'session.ndjson');
      let dataDir = '';
      const web = (secret: string) => ({
        image: image('httpd'),
        env: { SECRET: secret, MODE: 'prod' },
        volumes: ['./data:/data'],
      });
      await recordSimSession(
        file,
        { web: web(SECRET), crashy: { image: image('crasher') } },
        async (session) => {
          dataDir = session.dataDir;
          const { orchestrator, engine } = session;
          await orchestrator.install('web');
          await orchestrator.install('crashy');
          await session.advance(2_000);
          engine.control.kill(session.containerId('web'));
          await session.advance(1_000);
          engine.control.setReachable(false);
          await session.advance(40_000);
          engine.control.setReachable(true);
          await session.advance(35_000);
          await session.writeManifest('web', web(ROTATED));
          await orchestrator.reloadCatalog();
          await session.advance(2_000);
          await orchestrator.stopApp('web');
          await session.advance(1_000);
          await orchestrator.startApp('web');
          await session.advance(1_000);
          await orchestrator.uninstall('crashy');
          await session.advance(2_000);
          await expect(orchestrator.install('nope')).rejects.toThrow(/cannot install "nope"/);
          await session.advance(1_000);
        },
        {
          simulator: { eventLatencyMs: 250 },
          orchestrator: {
            intervalMs: 30_000,
            backoff: { initialMs: 1_000, factor: 2, maxMs: 8_000, resetAfterMs: 60_000, jitter: 0 },
          },
        },
      );

      const lines = await replayMatchesSession(file);
      const text = await readFile(file, 'utf8');
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(ROTATED);
      expect(text).not.toContain(dataDir);
      expect(text).toMatch(/"SECRET":"\[redacted [0-9a-f]{12}\]"/);
      expect(text).toContain('"source":"$DATA/web/data"');

      const kinds = (await records(file)).map((record) => record.kind);
      expect(kinds.filter((kind) => kind === 'subscribe').length).toBeGreaterThan(1);
      expect(kinds).toContain('stream-error');
      expect(kinds).toContain('command-error');
      const reloads = (await records(file)).filter(
        (record) => record.kind === 'command' && record.name === 'reloadCatalog',
      );
      expect(reloads).toHaveLength(1);

      // What the session did, as the replay tells it.
      expect(lines).toContainEqual(
        expect.stringMatching(/web: running → backoff \(killed by SIGKILL outside podwarden \(exit 137\)\)$/),
      );
      expect(lines).toContainEqual(
        expect.stringMatching(/crashy: starting → backoff \(start failed: start: cannot reach the engine/),
      );
      // The rotated secret changes the spec hash live (an update, the version unchanged); the
      // replay, which never saw either secret, sees it too.
      expect(lines).toContainEqual(
        expect.stringMatching(/web: running → updating \(updating 1 \(its manifest changed\)\)$/),
      );
      expect(lines).toContainEqual(expect.stringMatching(/web: running → stopping \(stopped by the owner/));
      expect(lines).toContainEqual(expect.stringMatching(/crashy: removing → removed/));
      expect(lines.at(-1)).toMatch(/web: running → halted/);
    },
  );

  it('restarts (of a running app, of a stopped one, of an unknown one) are recorded and replay identically, twice', async () => {
    const file = join(dir, 'restart.ndjson');
    await recordSimSession(
      file,
      { web: { image: image('httpd') }, side: { image: image('sleeper') } },
      async (session) => {
        const { orchestrator, engine } = session;
        await orchestrator.install('web');
        await orchestrator.install('side');
        await session.advance(2_000);
        const web = session.containerId('web');
        // A running app: its machine stops it and starts it again (the same container).
        const restarting = orchestrator.restartApp('web');
        await session.advance(1_000);
        await restarting;
        expect(session.containerId('web')).toBe(web);
        // Again, with a kill from outside arriving while the stop is under way.
        const again = orchestrator.restartApp('web');
        engine.control.kill(web);
        await session.advance(2_000);
        await again;
        // A stopped app: the restart is a start.
        await orchestrator.stopApp('side');
        await session.advance(1_000);
        await orchestrator.restartApp('side');
        await session.advance(2_000);
        await expect(orchestrator.restartApp('nope')).rejects.toThrow(/app "nope" is not installed/);
        await session.advance(1_000);
      },
      { simulator: { eventLatencyMs: 250 }, orchestrator: { intervalMs: 30_000 } },
    );

    const recorded = await records(file);
    const restarts = recorded.filter((record) => record.kind === 'command' && record.name === 'restartApp');
    expect(restarts.map((record) => (record.kind === 'command' ? record.appId : ''))).toEqual([
      'web',
      'web',
      'side',
      'nope',
    ]);
    expect(recorded.some((record) => record.kind === 'command-error' && /nope/.test(record.message))).toBe(true);

    const lines = await replayMatchesSession(file);
    const web = lines.filter((line) => line.includes(' web: ')).map((line) => line.replace(/^.* web: /, ''));
    expect(web.filter((line) => line.startsWith('running → restarting'))).toHaveLength(2);
    expect(web.filter((line) => line.startsWith('restarting → rendering'))).toHaveLength(2);
    expect(lines).toContainEqual(expect.stringMatching(/ side: stopped → rendering/));
  });

  it('adopts what an earlier run left: its own container as it is, an unknown one left alone (no uninstall on record), neither hash leaked', async () => {
    const file = join(dir, 'adopt.ndjson');
    const web = { image: image('httpd'), env: { SECRET }, volumes: ['./data:/data'] };
    let leftover = '';
    await recordSimSession(
      file,
      { web },
      async (session) => {
        await session.advance(2_000);
      },
      {
        orchestrator: { intervalMs: 30_000 },
        async before({ engine, orchestrator, advance }) {
          await orchestrator.install('web');
          await advance(1_000);
          // A container of an app nobody installs any more, made from a spec that is gone.
          const ghost = await engine.create({
            name: 'podwarden-ghost',
            image: image('httpd'),
            env: { TOKEN: 'ghost-token-value' },
            labels: {
              'io.podwarden.owner': 'podwarden',
              'io.podwarden.app': 'ghost',
              'io.podwarden.role': 'app',
              'io.podwarden.spec-hash': 'deadbeefdeadbeef',
            },
            ports: [],
            mounts: [],
            tmpfs: [],
            capAdd: [],
          });
          await engine.start(ghost.id);
          leftover = (await engine.list({ 'io.podwarden.app': 'web' }))[0]!.labels['io.podwarden.spec-hash']!;
        },
      },
    );
    const recording = await readRecording(file);
    expect(recording.header.desired).toContain('"web"');
    const text = await readFile(file, 'utf8');
    expect(text).not.toContain(leftover);
    expect(text).not.toContain('deadbeefdeadbeef');
    expect(text).toContain('"io.podwarden.spec-hash":"unknown-1"');
    expect(recording.records.some(({ record }) => record.kind === 'call' && record.method === 'create')).toBe(false);

    const lines = await replayMatchesSession(file);
    // web's container is the one it had: found running, nothing made or restarted.
    expect(lines.filter((line) => line.includes(' web: '))).toEqual([
      expect.stringMatching(/ web: ∅ → running \(running\)$/),
      expect.stringMatching(/ web: running → halted/),
    ]);
    // Nothing says the owner uninstalled ghost (issue 11: a lost record must not wipe a node).
    expect(lines.filter((line) => line.includes(' ghost: '))).toEqual([]);
  });

  it('a recording closed while a pull was under way replays up to where it ended', async () => {
    const file = join(dir, 'killed.ndjson');
    await recordSimSession(
      file,
      { web: { image: image('httpd') } },
      async (session) => {
        await session.orchestrator.install('web');
        await session.advance(1_000);
      },
      { simulator: { pullLatencyMs: 5_000 }, orchestrator: { intervalMs: 30_000 }, stop: false },
    );
    const pull = (await records(file)).find((record) => record.kind === 'call' && record.method === 'pull');
    expect(pull).toMatchObject({ unanswered: true });
    const lines = await replayMatchesSession(file);
    expect(lines.at(-1)).toMatch(/web: observing → pulling/);

    // Cut short without its last lines (the daemon was killed, nothing was closed): the same story.
    const text = (await readFile(file, 'utf8')).trimEnd().split('\n');
    expect(text.slice(-2).map((line) => JSON.parse(line).kind)).toEqual(['call', 'end']);
    const cut = join(dir, 'cut.ndjson');
    await writeFile(cut, `${text.slice(0, -2).join('\n')}\n`);
    expect((await replay(cut)).map(formatTransition)).toEqual(lines);
  });

  it('matches pass calls that drift as live ticks do, and still catches a missing pass answer', async () => {
    const file = join(dir, 'quiet.ndjson');
    // sleeper has no HEALTHCHECK: nothing but the passes calls the engine once it runs.
    await recordSimSession(
      file,
      { web: { image: image('sleeper') } },
      async (session) => {
        await session.orchestrator.install('web');
        await session.advance(60_000);
      },
      { orchestrator: { intervalMs: 1_000 } },
    );
    // Live, every tick fires a little late and the lateness adds up; here 10 ms a tick, 0.6 s
    // over the minute: far beyond a 200 ms tolerance, yet one smooth drift.
    const text = await readFile(file, 'utf8');
    const [header, ...rest] = text.trimEnd().split('\n');
    let shift = 0;
    let lists = 0;
    const drifted = rest.map((line) => {
      const record = JSON.parse(line) as { t: number; kind: string; method?: string; calledAt?: number };
      if (record.kind === 'call' && record.method === 'list' && ++lists > 3) shift += 10;
      record.t += shift;
      if (record.calledAt !== undefined) record.calledAt += shift;
      return JSON.stringify(record);
    });
    expect(shift).toBeGreaterThan(500);
    const driftedFile = join(dir, 'drifted.ndjson');
    await writeFile(driftedFile, `${[header, ...drifted].join('\n')}\n`);
    const replayed = await replay(driftedFile, { toleranceMs: 200 });
    expect(compareTransitions(replayed, observedTransitions(await readRecording(driftedFile)))).toEqual([]);

    // A pass answer taken out half-way is not drift: the next one is a whole interval away.
    const listLines = drifted.flatMap((line, index) => (line.includes('"method":"list"') ? [index] : []));
    const gap = drifted.filter((_, index) => index !== listLines[30]);
    const gapFile = join(dir, 'gap.ndjson');
    await writeFile(gapFile, `${[header, ...gap].join('\n')}\n`);
    await expect(replay(gapFile, { toleranceMs: 200 })).rejects.toThrow(
      /an answer is missing from the recording before this line/,
    );
  });

  it('replays taking turns on the one global clock give the same answer', async () => {
    const file = join(dir, 'turns.ndjson');
    await recordSimSession(
      file,
      { crashy: { image: image('crasher') } },
      async (session) => {
        await session.orchestrator.install('crashy');
        await session.advance(10_000);
      },
      {
        orchestrator: {
          intervalMs: 3_000,
          backoff: { initialMs: 500, factor: 2, maxMs: 4_000, resetAfterMs: 60_000, jitter: 0 },
        },
      },
    );
    const [a, b, c] = await Promise.all([replay(file), replay(file), replay(file)]);
    expect(b).toEqual(a);
    expect(c).toEqual(a);
  });

  it("replays the same under someone else's fake timers: it reads and patches no global clock", async () => {
    const file = join(dir, 'fake.ndjson');
    await recordSimSession(file, { web: { image: image('httpd') } }, async (session) => {
      await session.orchestrator.install('web');
      await session.advance(100);
    });
    const expected = await replay(file);
    vi.useFakeTimers();
    try {
      // A timer or Date.now() the replay took from the globals would stand still here.
      expect(await replay(file)).toEqual(expected);
    } finally {
      vi.useRealTimers();
    }
  });
});
