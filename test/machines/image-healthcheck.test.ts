import { describe, expect, it } from 'vitest';
import { describeExecTarget, probeFromImageHealthcheck } from '../../machines/image-healthcheck.js';
import { classifyExit, describeFailure } from '../../machines/failure.js';

describe("an image's HEALTHCHECK as podwarden's exec probe", () => {
  it('runs CMD-SHELL through /bin/sh -c, with its timing and retries as the failure threshold', () => {
    expect(
      probeFromImageHealthcheck({
        test: ['CMD-SHELL', 'curl -f http://localhost/'],
        intervalMs: 5_000,
        timeoutMs: 3_000,
        retries: 2,
        startPeriodMs: 10_000,
      }),
    ).toEqual({
      check: { kind: 'exec', command: ['/bin/sh', '-c', 'curl -f http://localhost/'] },
      intervalMs: 5_000,
      timeoutMs: 3_000,
      failureThreshold: 2,
      successThreshold: 1,
      startPeriodMs: 10_000,
      origin: 'image',
    });
  });

  it("runs CMD as given, with Docker's defaults (30 s, 30 s, 3, 0) for what the image left unset", () => {
    expect(probeFromImageHealthcheck({ test: ['CMD', 'pg_isready', '-q'] })).toEqual({
      check: { kind: 'exec', command: ['pg_isready', '-q'] },
      intervalMs: 30_000,
      timeoutMs: 30_000,
      failureThreshold: 3,
      successThreshold: 1,
      startPeriodMs: 0,
      origin: 'image',
    });
  });

  it('has no probe for NONE or an empty test', () => {
    expect(probeFromImageHealthcheck({ test: ['NONE'] })).toBeUndefined();
    expect(probeFromImageHealthcheck({ test: ['CMD'] })).toBeUndefined();
    expect(probeFromImageHealthcheck({ test: ['CMD-SHELL'] })).toBeUndefined();
  });

  it('names the image as the source in the probe target', () => {
    const shell = probeFromImageHealthcheck({ test: ['CMD-SHELL', 'curl -f http://localhost/'] })!;
    expect(describeExecTarget(shell, ['/bin/sh', '-c', 'curl -f http://localhost/'])).toBe(
      'image HEALTHCHECK: curl -f http://localhost/',
    );
    const direct = probeFromImageHealthcheck({ test: ['CMD', 'pg_isready', '-q'] })!;
    expect(describeExecTarget(direct, ['pg_isready', '-q'])).toBe('image HEALTHCHECK: pg_isready -q');
    expect(describeExecTarget({ ...direct, origin: undefined }, ['pg_isready', '-q'])).toBe('exec pg_isready -q');
  });
});

describe('an exit 137 under a memory limit', () => {
  const limit = 64 * 1024 * 1024;

  it('is a likely OOM kill when the engine does not say so (podman 4.3 on cgroup v1)', () => {
    expect(classifyExit({ exitCode: 137, oomKilled: false }, 0, limit)).toEqual({
      kind: 'likely-oom-killed',
      exitCode: 137,
      memoryLimitBytes: limit,
    });
    // Before the quick-exit streak: one that runs out of memory on every start needs memory, not a config fix.
    expect(classifyExit({ exitCode: 137 }, 5, limit).kind).toBe('likely-oom-killed');
  });

  it('is an OOM kill when the engine says so, and only an exit without a limit or with another code', () => {
    expect(classifyExit({ exitCode: 137, oomKilled: true }, 0, limit)).toEqual({ kind: 'oom-killed', exitCode: 137 });
    expect(classifyExit({ exitCode: 137 }, 0)).toEqual({ kind: 'exited', exitCode: 137 });
    expect(classifyExit({ exitCode: 1 }, 0, limit)).toEqual({ kind: 'exited', exitCode: 1 });
  });

  it('says what it most likely was and what to change', () => {
    expect(describeFailure({ kind: 'likely-oom-killed', exitCode: 137, memoryLimitBytes: limit })).toBe(
      'killed by SIGKILL (exit 137) with a 64 MiB memory limit: most likely out of memory; raise `resources.memory`',
    );
    expect(describeFailure({ kind: 'likely-oom-killed', exitCode: 137, memoryLimitBytes: 1.5 * 1024 ** 3 })).toMatch(
      /with a 1\.5 GiB memory limit/,
    );
  });
});
