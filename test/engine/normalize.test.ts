import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { JsonStreamSplitter, type StreamItem } from '../../src/engine/event-lines.js';
import { LABELS } from '../../src/engine/labels.js';
import {
  buildProgressFromLine,
  containerCreateBody,
  containerEventFromRaw,
  engineInfoFromVersion,
  hasLabels,
  isMissingImage,
  isNameConflict,
  labelFilters,
  normalizeStatus,
  observationFromInspect,
  observationFromLibpodListEntry,
  observationFromListEntry,
  parseStatusText,
  pullFailureCode,
  pullProgressFromLine,
  toEngineError,
} from '../../src/engine/normalize.js';
import { EngineError, type ContainerEvent, type PullProgress } from '../../src/engine/port.js';
import { registryHostOf } from '../../src/engine/image-ref.js';

// The payloads under fixtures/ were captured from podman 4.3.1 by fixtures/capture.sh; the few
// Docker-shaped payloads written inline below follow the Docker Engine API documentation.

function fixture<T = unknown>(name: string): T {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as T;
}

const OWNER = 'fixture-capture';
const SOCKET = '/run/podman/podman.sock';

/** An error shaped as docker-modem builds it from a non-2xx answer. */
function modemError(captured: { status: number; body: { message: string } }): Error {
  return Object.assign(new Error(`(HTTP code ${captured.status}) server error - ${captured.body.message} `), {
    statusCode: captured.status,
    json: captured.body,
    reason: 'server error',
  });
}

describe('engineInfoFromVersion', () => {
  it('recognises podman by its component and keeps the libpod API version', () => {
    expect(engineInfoFromVersion(fixture('version-podman.json'))).toEqual({
      flavor: 'podman',
      version: '4.3.1',
      libpodApiVersion: '4.3.1',
    });
  });

  it('takes anything without a Podman component for Docker', () => {
    const docker = {
      Platform: { Name: 'Docker Engine - Community' },
      Components: [{ Name: 'Engine', Version: '24.0.7', Details: { ApiVersion: '1.43' } }],
      Version: '24.0.7',
      ApiVersion: '1.43',
    };
    expect(engineInfoFromVersion(docker)).toEqual({ flavor: 'docker', version: '24.0.7' });
  });
});

describe('observationFromInspect (podman compat inspect)', () => {
  it('maps a created container: no pid, no exit code, no times', () => {
    const o = observationFromInspect(fixture('inspect-created.json'));
    expect(o).toMatchObject({
      name: 'fixture-created',
      image: '127.0.0.1:5000/podwarden/sleeper:1',
      status: 'created',
      health: 'none',
      pid: 0,
      oomKilled: false,
    });
    expect(o.id).toMatch(/^[0-9a-f]{64}$/);
    expect(o.labels).toMatchObject({ [LABELS.owner]: OWNER, [LABELS.app]: 'created' });
    expect(o.exitCode).toBeUndefined();
    expect(o.startedAt).toBeUndefined();
    expect(o.finishedAt).toBeUndefined();
  });

  it('maps running containers with their pid, start time and health', () => {
    const healthy = observationFromInspect(fixture('inspect-healthy.json'));
    expect(healthy).toMatchObject({ status: 'running', health: 'healthy', name: 'fixture-healthy' });
    expect(healthy.pid).toBeGreaterThan(0);
    expect(healthy.startedAt).toBeGreaterThan(Date.parse('2020-01-01T00:00:00Z'));
    expect(healthy.finishedAt).toBeUndefined();
    expect(observationFromInspect(fixture('inspect-unhealthy.json')).health).toBe('unhealthy');
  });

  it('maps an exited container with its exit code and times', () => {
    const o = observationFromInspect(fixture('inspect-exited.json'));
    expect(o).toMatchObject({ status: 'exited', exitCode: 3, pid: 0, image: '127.0.0.1:5000/podwarden/crasher:1' });
    expect(o.finishedAt).toBeGreaterThan(0);
  });

  it('maps a paused container (podman reports Running and Paused both true)', () => {
    expect(observationFromInspect(fixture('inspect-paused.json')).status).toBe('paused');
  });

  it('degrades to unknown fields instead of throwing on odd payloads', () => {
    expect(observationFromInspect(null)).toEqual({
      id: '',
      name: '',
      image: '',
      status: 'unknown',
      health: 'none',
      labels: {},
    });
    expect(observationFromInspect({ State: { Status: 'hibernating' }, Config: { Labels: null } }).status).toBe('unknown');
  });
});

describe('container lists', () => {
  it('compat list: state word, exit code from the Status text, no health on podman 4.3', () => {
    const entries = fixture<unknown[]>('list-compat.json').map(observationFromListEntry);
    const byName = new Map(entries.map((o) => [o.name, o]));
    expect([...byName.keys()].sort()).toEqual(
      ['fixture-created', 'fixture-exited', 'fixture-healthy', 'fixture-paused', 'fixture-unhealthy'],
    );
    expect(byName.get('fixture-created')).toMatchObject({ status: 'created', health: 'none' });
    expect(byName.get('fixture-exited')).toMatchObject({ status: 'exited', exitCode: 3 });
    expect(byName.get('fixture-paused')).toMatchObject({ status: 'paused' });
    // Podman's compat Status is "Up 4 seconds" whatever the health: that is why the adapter
    // lists through libpod on podman.
    expect(byName.get('fixture-unhealthy')).toMatchObject({ status: 'running', health: 'none' });
    expect(byName.get('fixture-healthy')?.labels[LABELS.owner]).toBe(OWNER);
    expect(byName.get('fixture-healthy')?.image).toBe('127.0.0.1:5000/podwarden/httpd:1');
  });

  it('libpod list: health, exit code, pid and times', () => {
    const entries = fixture<unknown[]>('list-libpod.json').map(observationFromLibpodListEntry);
    const byName = new Map(entries.map((o) => [o.name, o]));
    expect(byName.get('fixture-created')).toMatchObject({ status: 'created', health: 'none', pid: 0 });
    expect(byName.get('fixture-created')?.startedAt).toBeUndefined();
    expect(byName.get('fixture-healthy')).toMatchObject({ status: 'running', health: 'healthy' });
    expect(byName.get('fixture-healthy')?.pid).toBeGreaterThan(0);
    expect(byName.get('fixture-healthy')?.startedAt).toBeGreaterThan(Date.parse('2020-01-01T00:00:00Z'));
    expect(byName.get('fixture-unhealthy')).toMatchObject({ status: 'running', health: 'unhealthy' });
    expect(byName.get('fixture-exited')).toMatchObject({ status: 'exited', exitCode: 3, health: 'none' });
    expect(byName.get('fixture-exited')?.finishedAt).toBeGreaterThan(0);
    expect(byName.get('fixture-paused')).toMatchObject({ status: 'paused' });
    expect(byName.get('fixture-paused')?.exitCode).toBeUndefined();
  });

  it('reads health and exit code from Docker-style Status texts', () => {
    expect(parseStatusText('Up 5 seconds (healthy)')).toEqual({ health: 'healthy' });
    expect(parseStatusText('Up 2 seconds (health: starting)')).toEqual({ health: 'starting' });
    expect(parseStatusText('Up 3 minutes (unhealthy)')).toEqual({ health: 'unhealthy' });
    expect(parseStatusText('Up 4 seconds (Paused)')).toEqual({ health: 'none' });
    expect(parseStatusText('Exited (137) 3 minutes ago')).toEqual({ health: 'none', exitCode: 137 });
    expect(parseStatusText('Exited (-1) 1 second ago')).toEqual({ health: 'none', exitCode: -1 });
    expect(parseStatusText(undefined)).toEqual({ health: 'none' });
  });

  it('folds libpod state words into Docker ones', () => {
    expect(normalizeStatus('configured')).toBe('created');
    expect(normalizeStatus('initialized')).toBe('created');
    expect(normalizeStatus('stopped')).toBe('exited');
    expect(normalizeStatus('stopping')).toBe('running');
    expect(normalizeStatus('Restarting')).toBe('restarting');
    expect(normalizeStatus('removing')).toBe('removing');
    expect(normalizeStatus('dead')).toBe('dead');
    expect(normalizeStatus(42)).toBe('unknown');
  });

  it('matches label selectors and renders them as filters', () => {
    const labels = { a: '1', b: '2' };
    expect(hasLabels(labels, { a: '1' })).toBe(true);
    expect(hasLabels(labels, { a: '1', b: '3' })).toBe(false);
    expect(hasLabels(labels, {})).toBe(true);
    expect(labelFilters({ [LABELS.owner]: 'x', b: 'y=z' })).toEqual([`${LABELS.owner}=x`, 'b=y=z']);
  });
});

describe('containerEventFromRaw', () => {
  const raw = fixture<Array<{ Actor: { ID: string; Attributes: Record<string, string> } }>>('events-podman.json');
  const events = raw.map(containerEventFromRaw).filter((e): e is ContainerEvent => e !== null);
  const idOf = (name: string): string => {
    const found = raw.find((e) => e.Actor.Attributes.name === name);
    if (!found) throw new Error(`no event for ${name} in the fixture`);
    return found.Actor.ID;
  };
  const actionsOf = (name: string): string[] =>
    events.filter((e) => e.containerId === idOf(name)).map((e) => e.action);

  it('keeps the actions podwarden acts on, in order, and drops init, cleanup and exec_died', () => {
    expect(actionsOf('fixture-exited')).toEqual(['create', 'start', 'die', 'remove']);
    expect(actionsOf('fixture-healthy')).toEqual(['create', 'start', 'health', 'health', 'kill', 'die', 'remove']);
    expect(actionsOf('fixture-paused')).toEqual([
      'create', 'start', 'pause', 'unpause', 'restart', 'die', 'start', 'die', 'remove',
    ]);
    const ignored = raw.filter((e) => containerEventFromRaw(e) === null).map((e) => (e as { Action?: string }).Action);
    expect(new Set(ignored)).toEqual(new Set(['init', 'cleanup', 'exec_died']));
  });

  it('carries the exit code on die events only', () => {
    const dies = events.filter((e) => e.action === 'die');
    expect(dies.find((e) => e.containerId === idOf('fixture-exited'))?.exitCode).toBe(3);
    expect(dies.find((e) => e.containerId === idOf('fixture-healthy'))?.exitCode).toBe(137);
    expect(events.filter((e) => e.action !== 'die').every((e) => e.exitCode === undefined)).toBe(true);
  });

  it('passes the container labels (and podman attributes) and the time in ms', () => {
    const create = events.find((e) => e.action === 'create' && e.containerId === idOf('fixture-exited'));
    expect(create?.labels).toMatchObject({ [LABELS.owner]: OWNER, [LABELS.app]: 'exited', name: 'fixture-exited' });
    expect(create?.time).toBeGreaterThan(Date.parse('2020-01-01T00:00:00Z'));
    expect(Number.isInteger(create?.time)).toBe(true);
  });

  it("takes podman's HealthStatus field (stale by one check, podman #19237)", () => {
    const health = events.filter((e) => e.action === 'health');
    expect(health.length).toBeGreaterThan(0);
    expect(health.every((e) => e.health === 'starting' || e.health === 'healthy' || e.health === 'unhealthy')).toBe(true);
  });

  it("reads Docker's health_status: <status> action and libpod's died", () => {
    const docker = {
      status: 'health_status: unhealthy',
      id: 'abc',
      Type: 'container',
      Action: 'health_status: unhealthy',
      Actor: { ID: 'abc', Attributes: { [LABELS.owner]: 'o' } },
      time: 1_700_000_000,
    };
    expect(containerEventFromRaw(docker)).toEqual({
      kind: 'container',
      action: 'health',
      containerId: 'abc',
      labels: { [LABELS.owner]: 'o' },
      time: 1_700_000_000_000,
      health: 'unhealthy',
    });
    const died = { Type: 'container', Action: 'died', Actor: { ID: 'abc', Attributes: { containerExitCode: '5' } } };
    expect(containerEventFromRaw(died)).toMatchObject({ action: 'die', exitCode: 5 });
  });

  it('ignores non-container events and garbage', () => {
    expect(containerEventFromRaw({ Type: 'image', Action: 'pull', Actor: { ID: 'x' } })).toBeNull();
    expect(containerEventFromRaw({ Type: 'container', Action: 'start', Actor: {} })).toBeNull();
    expect(containerEventFromRaw('start')).toBeNull();
    expect(containerEventFromRaw(null)).toBeNull();
  });
});

describe('JsonStreamSplitter', () => {
  const raw = fixture<unknown[]>('events-podman.json');
  const ndjson = Buffer.from(`${raw.map((e) => JSON.stringify(e)).join('\n')}\n`);

  function split(chunks: Array<Buffer | string>): StreamItem[] {
    const splitter = new JsonStreamSplitter();
    return [...chunks.flatMap((chunk) => splitter.push(chunk)), ...splitter.end()];
  }

  it('yields every object whatever the chunk boundaries', () => {
    for (const size of [1, 2, 3, 7, 64, 333, 4096, ndjson.length]) {
      const chunks: Buffer[] = [];
      for (let at = 0; at < ndjson.length; at += size) chunks.push(ndjson.subarray(at, at + size));
      expect(split(chunks), `chunks of ${size} bytes`).toEqual(raw.map((json) => ({ json })));
    }
  });

  it('splits objects written back to back, and keeps braces inside strings', () => {
    const a = { stream: 'STEP 1/2: RUN echo "{" }\n' };
    const b = { error: 'a \\"quoted}\\" brace', nested: { list: [1, { x: '[' }] } };
    expect(split([`${JSON.stringify(a)}${JSON.stringify(b)}`])).toEqual([{ json: a }, { json: b }]);
  });

  it('reassembles a multi-byte character cut between chunks', () => {
    const bytes = Buffer.from(JSON.stringify({ name: 'ünïcode' }));
    const cut = bytes.indexOf(0xc3) + 1;
    expect(split([bytes.subarray(0, cut), bytes.subarray(cut)])).toEqual([{ json: { name: 'ünïcode' } }]);
  });

  it('returns text that is not JSON, and an unfinished object at the end, as text', () => {
    expect(split(['oops, a proxy page\n{"a":1}\n{"b":'])).toEqual([
      { text: 'oops, a proxy page' },
      { json: { a: 1 } },
      { text: '{"b":' },
    ]);
    expect(split(['{"a":1}\n', 'trailing words'])).toEqual([{ json: { a: 1 } }, { text: 'trailing words' }]);
  });
});

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
    expect(pullFailureCode('writing blob: storing blob to file "/var/tmp/x": write /var/tmp/x: no space left on device')).toBe('disk-full');
    expect(pullFailureCode('reading manifest 1 in docker.io/library/nope: name unknown: repository name not known')).toBe('image-not-found');
    expect(pullFailureCode('pull access denied for nope, repository does not exist or may require \'docker login\'')).toBe('image-not-found');
    expect(pullFailureCode('pinging container registry r.example: Get "https://r.example/v2/": dial tcp: lookup r.example: no such host')).toBe('registry-unreachable');
    expect(pullFailureCode('Get "https://r.example/v2/": dial tcp 10.0.0.1:443: i/o timeout')).toBe('registry-unreachable');
    expect(pullFailureCode('something new went wrong')).toBe('engine');
  });
});

describe('build progress', () => {
  const tag = 'localhost/podwarden/fixture-build:1';

  it('reports builder output as progress', () => {
    const results = fixture<unknown[]>('build-success.json').map((line) => buildProgressFromLine(tag, '/ctx', line));
    expect(results.some((r) => r instanceof EngineError)).toBe(false);
    const statuses = results.filter((r): r is PullProgress => r !== null && !(r instanceof EngineError)).map((r) => r.status);
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

describe('registryHostOf', () => {
  it('follows the reference grammar', () => {
    expect(registryHostOf('127.0.0.1:5000/podwarden/httpd:1')).toBe('127.0.0.1:5000');
    expect(registryHostOf('localhost/podwarden/busybox-base:latest')).toBe('localhost');
    expect(registryHostOf('ghcr.io/owner/app:1')).toBe('ghcr.io');
    expect(registryHostOf('library/busybox:1')).toBe('docker.io');
    expect(registryHostOf('busybox')).toBe('docker.io');
  });
});

describe('containerCreateBody', () => {
  it('maps every field of the spec', () => {
    const body = containerCreateBody({
      name: 'web',
      image: '127.0.0.1:5000/podwarden/httpd:1',
      command: ['httpd', '-f'],
      entrypoint: ['/bin/sh', '-c'],
      env: { A: '1', EMPTY: '' },
      labels: { [LABELS.owner]: 'me' },
      ports: [
        { hostIp: '127.0.0.1', hostPort: 8080, containerPort: 80, protocol: 'tcp' },
        { hostPort: 8443, containerPort: 80, protocol: 'tcp' },
        { hostPort: 5353, containerPort: 53, protocol: 'udp' },
      ],
      mounts: [
        { source: '/srv/data', target: '/data', readOnly: true },
        { source: 'web-state', target: '/state', readOnly: false },
      ],
      tmpfs: ['/tmp'],
      network: 'podwarden',
      user: '1000:1000',
      capAdd: ['NET_ADMIN'],
      stopTimeoutSeconds: 20,
      healthcheck: { test: ['wget', '-q', 'http://127.0.0.1/'], intervalSeconds: 10, timeoutSeconds: 2, retries: 3, startPeriodSeconds: 5 },
    });
    expect(body).toEqual({
      Image: '127.0.0.1:5000/podwarden/httpd:1',
      Cmd: ['httpd', '-f'],
      Entrypoint: ['/bin/sh', '-c'],
      Env: ['A=1', 'EMPTY='],
      Labels: { [LABELS.owner]: 'me' },
      ExposedPorts: { '80/tcp': {}, '53/udp': {} },
      User: '1000:1000',
      StopTimeout: 20,
      Healthcheck: {
        Test: ['CMD', 'wget', '-q', 'http://127.0.0.1/'],
        Interval: 10_000_000_000,
        Timeout: 2_000_000_000,
        Retries: 3,
        StartPeriod: 5_000_000_000,
      },
      HostConfig: {
        PortBindings: {
          '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }, { HostPort: '8443' }],
          '53/udp': [{ HostPort: '5353' }],
        },
        Mounts: [
          { Type: 'bind', Source: '/srv/data', Target: '/data', ReadOnly: true },
          { Type: 'volume', Source: 'web-state', Target: '/state', ReadOnly: false },
        ],
        Tmpfs: { '/tmp': '' },
        CapAdd: ['NET_ADMIN'],
        NetworkMode: 'podwarden',
      },
    });
  });

  it('leaves optional fields out and keeps an explicit health check form', () => {
    const body = containerCreateBody({
      name: 'x',
      image: 'img',
      env: {},
      labels: {},
      ports: [],
      mounts: [],
      tmpfs: [],
      capAdd: [],
      healthcheck: { test: ['CMD-SHELL', 'true'], intervalSeconds: 1, timeoutSeconds: 1, retries: 1, startPeriodSeconds: 0 },
    });
    expect(body).not.toHaveProperty('Cmd');
    expect(body).not.toHaveProperty('Entrypoint');
    expect(body).not.toHaveProperty('User');
    expect(body).not.toHaveProperty('StopTimeout');
    expect(body.HostConfig).not.toHaveProperty('NetworkMode');
    expect((body.Healthcheck as { Test: string[] }).Test).toEqual(['CMD-SHELL', 'true']);
  });
});

describe('toEngineError', () => {
  const ctx = { socketPath: SOCKET, action: 'start of container web' };

  it('classifies the answers podman gives', () => {
    const portError = toEngineError(modemError(fixture('error-start-port-in-use.json')), ctx);
    expect(portError.code).toBe('port-in-use');
    expect(portError.message).toBe(
      'start of container web: engine answered 500: cannot listen on the TCP port: listen tcp4 127.0.0.1:18399: bind: address already in use',
    );
    expect(toEngineError(modemError(fixture('error-container-missing.json')), ctx).code).toBe('not-found');
    expect(toEngineError(modemError(fixture('error-create-missing-image.json')), ctx).code).toBe('image-not-found');
    const conflict = modemError(fixture('error-create-name-conflict.json'));
    expect(isNameConflict(conflict)).toBe(true);
    expect(toEngineError(conflict, ctx).code).toBe('name-conflict');
    expect(isMissingImage(modemError(fixture('error-create-missing-image.json')))).toBe(true);
    expect(isMissingImage(modemError(fixture('error-container-missing.json')))).toBe(false);
    expect(isNameConflict(modemError(fixture('error-start-port-in-use.json')))).toBe(false);
  });

  it('recognises Docker’s 409 name conflict', () => {
    const docker = modemError({
      status: 409,
      body: { message: 'Conflict. The container name "/web" is already in use by container "abc". You have to remove (or rename) that container to be able to reuse that name.' },
    });
    expect(toEngineError(docker, ctx).code).toBe('name-conflict');
  });

  it('calls transport failures unreachable and names the socket', () => {
    const enoent = Object.assign(new Error(`connect ENOENT ${SOCKET}`), { code: 'ENOENT', errno: -2 });
    const error = toEngineError(enoent, ctx);
    expect(error.code).toBe('unreachable');
    expect(error.message).toContain(SOCKET);
    expect(error.cause).toBe(enoent);
    for (const code of ['ECONNREFUSED', 'EACCES', 'ECONNRESET']) {
      expect(toEngineError(Object.assign(new Error(code), { code }), ctx).code).toBe('unreachable');
    }
    const aborted = Object.assign(new Error('The operation was aborted'), { name: 'AbortError', code: 'ABORT_ERR' });
    expect(toEngineError(aborted, ctx)).toMatchObject({ code: 'unreachable' });
    expect(toEngineError(aborted, ctx).message).toMatch(/did not answer in time/);
  });

  it('keeps an EngineError as it is and calls anything else an engine error', () => {
    const original = new EngineError('disk-full', 'x');
    expect(toEngineError(original, ctx)).toBe(original);
    expect(toEngineError(new Error('weird'), ctx)).toMatchObject({ code: 'engine', message: 'start of container web: weird' });
  });
});
