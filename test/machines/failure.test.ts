import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../machines/backoff.js';
import {
  BAD_CONFIG_QUICK_EXITS,
  classifyExit,
  classifyStepError,
  describeFailure,
  nextQuickExits,
  QUICK_EXIT_MS,
  type FailureReason,
} from '../../machines/failure.js';

describe('classifying failures', () => {
  it('calls an exit with OOMKilled an OOM kill, whatever the code', () => {
    expect(classifyExit({ exitCode: 137, oomKilled: true }, 0)).toEqual({ kind: 'oom-killed', exitCode: 137 });
  });

  it('calls a plain exit an exit with its code', () => {
    expect(classifyExit({ exitCode: 3 }, 0)).toEqual({ kind: 'exited', exitCode: 3 });
    expect(classifyExit({ exitCode: 137, oomKilled: false }, 1)).toEqual({ kind: 'exited', exitCode: 137 });
  });

  it(`calls ${BAD_CONFIG_QUICK_EXITS} quick exits in a row a bad config`, () => {
    expect(classifyExit({ exitCode: 2 }, BAD_CONFIG_QUICK_EXITS - 1).kind).toBe('exited');
    expect(classifyExit({ exitCode: 2 }, BAD_CONFIG_QUICK_EXITS)).toEqual({
      kind: 'bad-config',
      exitCode: 2,
      quickExits: BAD_CONFIG_QUICK_EXITS,
    });
  });

  it('counts an exit within the quick-exit time as quick, and starts over after a longer run', () => {
    expect(nextQuickExits(0, 1_000, 1_000 + QUICK_EXIT_MS - 1)).toBe(1);
    expect(nextQuickExits(2, 1_000, 1_500)).toBe(3);
    expect(nextQuickExits(2, 1_000, 1_000 + QUICK_EXIT_MS)).toBe(0);
    expect(nextQuickExits(2, undefined, 1_500)).toBe(0);
  });

  it("classifies step errors by the adapter's EngineError code", () => {
    const image = '127.0.0.1:5000/podwarden/nope:1';
    expect(classifyStepError('pull', { code: 'image-not-found', message: 'manifest unknown' }, image)).toEqual({
      kind: 'image-not-found',
      image,
      message: 'manifest unknown',
    });
    expect(classifyStepError('pull', { code: 'registry-unreachable', message: 'connection refused' }, image).kind).toBe(
      'registry-unreachable',
    );
    expect(classifyStepError('start', { code: 'port-in-use', message: 'address already in use' }, image).kind).toBe(
      'port-in-use',
    );
    expect(classifyStepError('pull', { code: 'disk-full', message: 'no space left on device' }, image)).toMatchObject({
      kind: 'disk-full',
      step: 'pull',
    });
    expect(classifyStepError('create', { code: 'engine', message: 'boom' }, image)).toEqual({
      kind: 'step-failed',
      step: 'create',
      message: 'boom',
    });
    expect(classifyStepError('create', { code: 'name-conflict', message: 'in use' }, image, 'podwarden-web')).toEqual({
      kind: 'name-taken',
      name: 'podwarden-web',
      message: 'in use',
    });
    expect(classifyStepError('create', { code: 'unknown', message: 'boom' }, image).kind).toBe('step-failed');
  });
});

describe('describing failures for people', () => {
  const cases: Array<[FailureReason, RegExp]> = [
    [{ kind: 'oom-killed', exitCode: 137 }, /^OOM-killed \(exit 137\): raise the app's memory limit/],
    [{ kind: 'exited', exitCode: 3 }, /^exited with code 3: see the container log$/],
    [
      { kind: 'killed-outside', action: 'kill', exitCode: 137 },
      /^killed by SIGKILL outside podwarden \(exit 137\): podwarden starts it again; look for who stops it/,
    ],
    [{ kind: 'killed-outside', action: 'kill', exitCode: 143 }, /^killed by SIGTERM outside podwarden \(exit 143\)/],
    [{ kind: 'killed-outside', action: 'kill' }, /^killed outside podwarden: /],
    [{ kind: 'killed-outside', action: 'stop', exitCode: 0 }, /^stopped outside podwarden \(exit 0\): /],
    [
      { kind: 'bad-config', exitCode: 2, quickExits: 3 },
      /^bad config: exits at once on every start \(3 in a row, code 2\): check its settings/,
    ],
    [
      { kind: 'image-not-found', image: 'x/y:1', message: 'manifest unknown' },
      /^image x\/y:1 not found: check the image name and tag/,
    ],
    [
      { kind: 'registry-unreachable', image: 'x/y:1', message: 'refused' },
      /^registry unreachable for x\/y:1: check the network/,
    ],
    [
      { kind: 'port-in-use', message: 'address already in use' },
      /^port already in use: free the host port or change it in the manifest/,
    ],
    [{ kind: 'disk-full', step: 'pull', message: 'no space' }, /^disk full during pull: free space on the host/],
    [
      {
        kind: 'probe-failing',
        role: 'liveness',
        target: 'GET http://10.88.0.5:8080/health',
        output: 'HTTP 500: oops',
        failures: 3,
      },
      /^liveness probe failing \(GET http:\/\/10\.88\.0\.5:8080\/health, 3 in a row\); last output: HTTP 500: oops$/,
    ],
    [{ kind: 'dependency-down', dependencies: ['bitcoind'] }, /^waiting for bitcoind to be ready$/],
    [{ kind: 'step-failed', step: 'create', message: 'boom' }, /^create failed: boom$/],
    [
      { kind: 'unit-inactive' },
      /^the unit was not active \(stopped outside podwarden, or systemd gave up restarting it\): podwarden starts it again/,
    ],
    [
      { kind: 'restart-budget-spent', restarts: 3, windowMs: 60_000, last: { kind: 'exited', exitCode: 3 } },
      /^gave up after 3 restarts in 1 min \(last: exited with code 3: see the container log\); fix the cause, then start the app again$/,
    ],
  ];
  it.each(cases)('%j', (reason, text) => {
    expect(describeFailure(reason)).toMatch(text);
  });
});

describe('backoff jitter', () => {
  const policy = { initialMs: 10_000, factor: 2, maxMs: 300_000, resetAfterMs: 600_000, jitter: 0.1 };

  it('is the same for the same seed, so runs and replays repeat exactly', () => {
    const run = (seed: number) => [1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, policy, seed));
    expect(run(42)).toEqual(run(42));
    expect(run(42)).not.toEqual(run(43));
  });

  it('stays within ± the jitter fraction, and the first restart stays immediate', () => {
    for (let seed = 0; seed < 200; seed += 1) {
      expect(backoffDelay(1, policy, seed)).toBe(0);
      for (const n of [2, 3, 7, 12]) {
        const base = Math.min(policy.maxMs, policy.initialMs * 2 ** (n - 2));
        const delay = backoffDelay(n, policy, seed);
        expect(delay).toBeGreaterThanOrEqual(base * 0.9);
        expect(delay).toBeLessThanOrEqual(base * 1.1);
      }
    }
  });

  it('spreads apps apart: different seeds give different delays', () => {
    const delays = new Set(Array.from({ length: 50 }, (_, seed) => backoffDelay(3, policy, seed)));
    expect(delays.size).toBeGreaterThan(40);
  });
});
