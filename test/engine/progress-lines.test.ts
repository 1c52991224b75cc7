import { describe, expect, it } from 'vitest';
import { EngineError } from '../../src/domain/engine-error.js';
import { type PullProgress } from '../../src/engine/port.js';
import { buildProgressFromLine, pullProgressFromLine } from '../../src/engine/dockerode/progress-lines.js';
import { pullFailureCode } from '../../src/engine/dockerode/pull-failure.js';
import { fixture } from './support/captured.js';

describe('pull progress', () => {
  const ref = '127.0.0.1:5000/podwarden/httpd:fixture';

  it('reports libpod pull lines as progress with layer ids', () => {
    const progress = fixture<unknown[]>('pull-libpod-success.json').map((line) => pullProgressFromLine(ref, line));
    expect(progress.some((p) => p instanceof EngineError)).toBe(false);
    const reported = progress.filter((p): p is PullProgress => p !== null && !(p instanceof EngineError));
    expect(reported[0]).toEqual({ ref, status: `Trying to pull ${ref}...` });
    const blobs = reported.filter((p) => p.status.startsWith('Copying blob'));
    expect(blobs.length).toBeGreaterThan(0);
    expect(blobs.every((p) => /^[0-9a-f]{12}$/.test(p.layer ?? ''))).toBe(true);
    expect(reported.at(-1)?.status).toMatch(/^Pulled image [0-9a-f]{12}$/);
  });

  it('reports compat pull lines with hex ids as layers', () => {
    expect(pullProgressFromLine(ref, { status: 'Pulling from podwarden/httpd', id: 'fixture' })).toEqual({
      ref,
      status: 'Pulling from podwarden/httpd',
    });
    expect(pullProgressFromLine(ref, { status: 'Download complete', progressDetail: {}, id: '224ed1bcfc0f' })).toEqual({
      ref,
      status: 'Download complete',
      layer: '224ed1bcfc0f',
    });
    expect(pullProgressFromLine(ref, {})).toBeNull();
  });

  it('classifies the error lines podman sends on an HTTP 200 stream', () => {
    const errorOf = (name: string): EngineError => {
      const results = fixture<unknown[]>(name).map((line) => pullProgressFromLine(ref, line));
      const error = results.find((r) => r instanceof EngineError);
      if (!(error instanceof EngineError)) throw new Error(`${name} has no error line`);
      return error;
    };
    const missing = errorOf('pull-libpod-manifest-unknown.json');
    expect(missing.code).toBe('image-not-found');
    expect(missing.message).toContain(ref);
    expect(missing.message).toContain('manifest unknown');
    expect(errorOf('pull-libpod-connection-refused.json').code).toBe('registry-unreachable');
    const tls = errorOf('pull-compat-https-to-http.json');
    expect(tls.code).toBe('registry-unreachable');
    expect(tls.message).toMatch(/127\.0\.0\.1:5000 speaks plain HTTP/);
  });

  it('tells disk-full, not-found and unreachable apart from the message alone', () => {
    expect(
      pullFailureCode('writing blob: storing blob to file "/var/tmp/x": write /var/tmp/x: no space left on device'),
    ).toBe('disk-full');
    expect(
      pullFailureCode('reading manifest 1 in docker.io/library/nope: name unknown: repository name not known'),
    ).toBe('image-not-found');
    expect(
      pullFailureCode("pull access denied for nope, repository does not exist or may require 'docker login'"),
    ).toBe('image-not-found');
    expect(
      pullFailureCode(
        'pinging container registry r.example: Get "https://r.example/v2/": dial tcp: lookup r.example: no such host',
      ),
    ).toBe('registry-unreachable');
    expect(pullFailureCode('Get "https://r.example/v2/": dial tcp 10.0.0.1:443: i/o timeout')).toBe(
      'registry-unreachable',
    );
    expect(pullFailureCode('something new went wrong')).toBe('engine');
  });
});

describe('build progress', () => {
  const tag = 'localhost/podwarden/fixture-build:1';

  it('reports builder output as progress', () => {
    const results = fixture<unknown[]>('build-success.json').map((line) => buildProgressFromLine(tag, '/ctx', line));
    expect(results.some((r) => r instanceof EngineError)).toBe(false);
    const statuses = results
      .filter((r): r is PullProgress => r !== null && !(r instanceof EngineError))
      .map((r) => r.status);
    expect(statuses).toContain('STEP 1/3: FROM localhost/podwarden/busybox-base:latest');
    expect(statuses).toContain(`Successfully tagged ${tag}`);
  });

  it('turns a failing step into an error naming the tag, the context and the step', () => {
    const error = fixture<unknown[]>('build-run-failed.json')
      .map((line) => buildProgressFromLine(tag, '/ctx', line))
      .find((r) => r instanceof EngineError);
    expect(error).toBeInstanceOf(EngineError);
    expect(error?.code).toBe('engine');
    expect(error?.message).toContain(tag);
    expect(error?.message).toContain('/ctx');
    expect(error?.message).toContain('RUN exit 7');
  });

  it('classifies a base image that cannot be pulled like a pull failure', () => {
    const error = fixture<unknown[]>('build-missing-base.json')
      .map((line) => buildProgressFromLine(tag, '/ctx', line))
      .find((r) => r instanceof EngineError);
    expect(error?.code).toBe('registry-unreachable');
    expect(error?.message).toContain('localhost/podwarden/absent:latest');
  });
});
