import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReplayDivergence } from '../../src/replay/divergence.js';
import { readRecording } from '../../src/replay/read-recording.js';
import { replay } from '../../src/replay/replay.js';
import { compareTransitions, formatTransition, observedTransitions } from '../../src/replay/transition-report.js';
import { INSTALL_PATH, START_PATH } from '../support/lifecycle-paths.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const FIXTURES = join(HERE, 'fixtures');
const REPO = join(HERE, '..', '..');
const fixtures = (await readdir(FIXTURES)).filter((name) => name.endsWith('.ndjson')).sort();

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'podwarden-replay-fixtures-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

async function lines(file: string): Promise<string[]> {
  return (await readFile(file, 'utf8')).trimEnd().split('\n');
}

/** Writes `file` without the line numbered `line` (1-based) and returns the new file's path. */
async function withoutLine(file: string, line: number, name: string): Promise<string> {
  const kept = (await lines(file)).filter((_, index) => index + 1 !== line);
  const target = join(scratch, name);
  await writeFile(target, `${kept.join('\n')}\n`);
  return target;
}

/** 1-based line numbers of the calls of `method` in `file`. */
async function callLines(file: string, method: string): Promise<number[]> {
  return (await lines(file)).flatMap((text, index) => {
    const record = JSON.parse(text) as { kind: string; method?: string };
    return record.kind === 'call' && record.method === method ? [index + 1] : [];
  });
}

describe('replaying the recorded real-podman sessions', () => {
  it('has the fixtures the issue asks for', () => {
    expect(fixtures).toEqual([
      'crasher-backoff.ndjson',
      'httpd-kill-restart.ndjson',
      'httpd-restart.ndjson',
      'install-uninstall.ndjson',
    ]);
  });

  describe.each(fixtures)('%s', (name) => {
    const file = join(FIXTURES, name);

    it('gives the same transitions, times included, on every run', async () => {
      const first = (await replay(file)).map(formatTransition);
      const second = (await replay(file)).map(formatTransition);
      expect(first.length).toBeGreaterThan(3);
      expect(second).toEqual(first);
    });

    it('gives the transitions the session observed live', async () => {
      const recording = await readRecording(file);
      const replayed = await replay(file);
      const observed = observedTransitions(recording);
      expect(
        compareTransitions(replayed, observed),
        'podwarden now behaves otherwise than in the recorded session; if that is intended, re-record the fixtures: npx tsx test/replay/record-fixtures.ts',
      ).toEqual([]);
      // Live podwarden takes a few ms to react to each input; the replay takes none.
      replayed.forEach((transition, index) => {
        expect(Math.abs(transition.offsetMs - observed[index]!.t)).toBeLessThanOrEqual(50);
      });
    });
  });

  it("replays an owner's restart: its machine stops and starts the same container, no crash", async () => {
    const recording = await readRecording(join(FIXTURES, 'httpd-restart.ndjson'));
    expect(
      recording.records.filter(({ record }) => record.kind === 'command' && record.name === 'restartApp'),
    ).toHaveLength(1);
    const web = (await replay(join(FIXTURES, 'httpd-restart.ndjson')))
      .map(formatTransition)
      .map((line) => line.replace(/^.* web: /, ''));
    expect(web.slice(6)).toEqual([
      'running → restarting (restarted by the owner)',
      'restarting → rendering (restarted by the owner)',
      'rendering → starting (restarted by the owner)',
      'starting → confirming (restarted by the owner)',
      'confirming → running (running)',
      'running → halted (running)',
    ]);
  });

  it('keeps env values out: the manifest and the create call carry placeholders only', async () => {
    const text = await readFile(join(FIXTURES, 'install-uninstall.ndjson'), 'utf8');
    expect(text).not.toContain('never recorded');
    const recording = await readRecording(join(FIXTURES, 'install-uninstall.ndjson'));
    expect(recording.header.catalog['web.yml']).toMatch(/GREETING: "\[redacted [0-9a-f]{12}\]"/);
    const create = recording.records.find(({ record }) => record.kind === 'call' && record.method === 'create')!.record;
    expect(create).toMatchObject({
      args: [{ env: { GREETING: expect.stringMatching(/^\[redacted [0-9a-f]{12}\]$/) } }],
    });
  });

  it('replays what the fixtures show: a kill answered by a restart from the look after its die event', async () => {
    const transitions = await replay(join(FIXTURES, 'httpd-kill-restart.ndjson'));
    const states = transitions.map((t) => t.to);
    expect(states).toEqual([...INSTALL_PATH, 'backoff', ...START_PATH, 'halted']);
    expect(transitions[6]!.reason).toBe('killed by SIGKILL outside podwarden (exit 137)');
  });

  it('replays what the fixtures show: the crash loop backs off 0, 1, 2, 4 s', async () => {
    const transitions = await replay(join(FIXTURES, 'crasher-backoff.ndjson'));
    // Every restart passes the pre-start render on its way from backoff.
    const restarts = transitions.filter((t) => t.from === 'backoff' && t.to === 'rendering');
    const waits = restarts.map((restart) => {
      const crashed = transitions.filter((t) => t.to === 'backoff' && t.offsetMs <= restart.offsetMs).at(-1)!;
      return restart.offsetMs - crashed.offsetMs;
    });
    // Node runs a 0 ms timer after 1 ms, and the replay keeps that rule.
    expect(waits).toEqual([1, 1_000, 2_000, 4_000]);
  });
});

describe('a tampered recording', () => {
  const file = join(FIXTURES, 'httpd-kill-restart.ndjson');

  it('without the answer to the restart: the divergence names the input after which podwarden restarted', async () => {
    const starts = await callLines(file, 'start');
    expect(starts).toHaveLength(2);
    const tampered = await withoutLine(file, starts[1]!, 'no-restart-answer.ndjson');
    const error = await replay(tampered).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ReplayDivergence);
    const divergence = error as ReplayDivergence;
    // podwarden restarts on the look its die event asked for: that answer is named, and the
    // restart's answer is missing after it.
    const named = JSON.parse((await lines(tampered))[divergence.line! - 1]!) as { kind: string; method?: string };
    expect(named).toMatchObject({ kind: 'call', method: 'inspect' });
    expect(divergence.message).toContain(`${tampered}:${divergence.line}: replay diverged from the recording`);
    expect(divergence.message).toMatch(
      /podwarden called start\("[0-9a-f]{64}"\) after this line, but the recording has no start call left/,
    );
    expect(divergence.message).toContain(`the last one, line ${starts[0]}, was taken by an earlier call`);
    expect(divergence.message).toMatch(/the recording lacks call number \d+ \(made after the call at line \d+\)/);
  });

  it('without the answer to the first start: the later start cannot stand in for it', async () => {
    const starts = await callLines(file, 'start');
    const tampered = await withoutLine(file, starts[0]!, 'no-first-start-answer.ndjson');
    const error = await replay(tampered).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ReplayDivergence);
    const divergence = error as ReplayDivergence;
    // The second start (one line up now) was made seconds later: taking it would be another session.
    expect(divergence.line).toBe(starts[1]! - 1);
    expect(divergence.message).toMatch(
      /the recording's next such call was made at \+\d+\.\d{3}s: an answer is missing/,
    );
  });

  it('with another answer than podwarden asked for: the divergence names the differing argument', async () => {
    const text = await readFile(file, 'utf8');
    const tampered = join(scratch, 'other-image.ndjson');
    await writeFile(
      tampered,
      text.replace(
        /"method":"create","args":\[\{"name":"([^"]+)","image":"[^"]+"/,
        '"method":"create","args":[{"name":"$1","image":"127.0.0.1:5000/podwarden/other:1"',
      ),
    );
    const createLine = (await callLines(tampered, 'create'))[0]!;
    const error = await replay(tampered).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ReplayDivergence);
    expect((error as ReplayDivergence).line).toBe(createLine);
    expect((error as Error).message).toContain(
      'args[0].image: recorded "127.0.0.1:5000/podwarden/other:1", replay "127.0.0.1:5000/podwarden/httpd:1"',
    );
  });
});

// Each test runs the CLI as a child node + tsx process: seconds on a loaded machine, so more
// than the project's 10 s default.
describe('podwarden replay FILE', { timeout: 60_000 }, () => {
  const cli = (args: string[]) =>
    promisify(execFile)(process.execPath, ['--import', 'tsx', join(REPO, 'src/cli/main.ts'), 'replay', ...args], {
      cwd: REPO,
    });

  it('prints one line per transition, as the replay gives them, and --check agrees with the live session', async () => {
    const file = join(FIXTURES, 'install-uninstall.ndjson');
    const { stdout, stderr } = await cli([file, '--check']);
    expect(stdout.trimEnd().split('\n')).toEqual((await replay(file)).map(formatTransition));
    expect(stdout).toMatch(/^\+\d+\.\d{3}s web: ∅ → pulling \(no container\)$/m);
    expect(stderr).toContain('transitions match what the recorded session observed');
  });

  it('fails with the divergence and its line', async () => {
    const file = join(FIXTURES, 'install-uninstall.ndjson');
    const removes = await callLines(file, 'remove');
    const tampered = await withoutLine(file, removes[0]!, 'no-remove-answer.ndjson');
    const failure = await cli([tampered]).catch((caught: unknown) => caught as { code: number; stderr: string });
    expect(failure).toMatchObject({ code: 1 });
    expect((failure as { stderr: string }).stderr).toContain(`podwarden: ${tampered}:`);
    expect((failure as { stderr: string }).stderr).toContain('replay diverged from the recording');
  });
});
