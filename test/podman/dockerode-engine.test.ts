import { randomBytes } from 'node:crypto';
import { readdirSync, readlinkSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Subscription } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerodeEngine } from '../../src/engine/dockerode/dockerode-engine.js';
import { LABELS } from '../../src/domain/labels.js';
import { EngineError, type EngineErrorCode } from '../../src/domain/engine-error.js';
import { type ContainerSpec } from '../../src/domain/container-spec.js';
import { type EngineEvent, type PullProgress } from '../../src/engine/port.js';
import { freePort } from '../support/free-port.js';
import { until } from '../support/until.js';
import { REGISTRY, SOCKET_PATH, image } from './support/env.js';
import {
  ensureLocalImages,
  imageExistsLocally,
  inspectJson,
  kill,
  pause,
  podman,
  pushUniqueTag,
  removeAllWithLabel,
  removeImage,
} from './support/podman-cli.js';
import type { SampleImageName } from '../../src/engine/simulator/simulator-images.js';

// The dockerode adapter against the real podman service and the local registry of
// scripts/setup-engine.sh. Every container carries a unique owner label and is removed in
// afterAll, so runs never see each other's containers.

const RUN = randomBytes(4).toString('hex');
const OWNER = `test-${RUN}`;
const OTHER_OWNER = `test-${RUN}-other`;
const BUILD_TAG = `localhost/podwarden-test/build-${RUN}:1`;
const VOLUME = `podwarden-test-${RUN}`;

const engine = createDockerodeEngine({ socketPath: SOCKET_PATH });
const pulledRefs: string[] = [];
const tempDirs: string[] = [];

// The containers below are created from these images directly, without a pull.
beforeAll(() => ensureLocalImages('httpd', 'sleeper', 'crasher', 'unhealthy'));

afterAll(async () => {
  await removeAllWithLabel(LABELS.owner, OWNER);
  await removeAllWithLabel(LABELS.owner, OTHER_OWNER);
  for (const ref of [...pulledRefs, BUILD_TAG]) await removeImage(ref);
  await podman(['volume', 'rm', '--force', VOLUME]);
  for (const dir of tempDirs) await rm(dir, { recursive: true, force: true });
});

function name(suffix: string): string {
  return `pw-${RUN}-${suffix}`;
}

function spec(suffix: string, overrides: Partial<ContainerSpec> = {}): ContainerSpec {
  return {
    name: name(suffix),
    image: image('httpd'),
    env: {},
    labels: { [LABELS.owner]: OWNER, [LABELS.app]: suffix },
    ports: [],
    mounts: [],
    tmpfs: [],
    capAdd: [],
    ...overrides,
  };
}

/** The EngineError a promise rejects with; fails the test when it resolves or throws another. */
async function engineError(promise: Promise<unknown>): Promise<EngineError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(EngineError);
    return error as EngineError;
  }
  throw new Error('expected an EngineError, but the call succeeded');
}

async function expectCode(promise: Promise<unknown>, code: EngineErrorCode): Promise<EngineError> {
  const error = await engineError(promise);
  expect(error.code, error.message).toBe(code);
  return error;
}

/**
 * The sockets (Unix and TCP) this process holds open, by the inode /proc names them with
 * (`socket:[N]`). Tests compare sets, not counts: an earlier call's socket may close at any
 * moment on a loaded machine, and that must not look like the socket under test.
 */
function openSockets(): Set<string> {
  const sockets = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (target.startsWith('socket:')) sockets.add(target);
    } catch {
      // closed between readdir and readlink
    }
  }
  return sockets;
}

describe('dockerode engine on real podman: engine and images', () => {
  it('pings podman and reports its flavour and version', async () => {
    const info = await engine.ping();
    expect(info.flavor).toBe('podman');
    expect(info.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('pulls an image that exists only in the registry, reporting progress', async () => {
    const ref = await pushUniqueTag('httpd');
    pulledRefs.push(ref);
    expect(await imageExistsLocally(ref)).toBe(false);
    expect(await engine.imageExists(ref)).toBe(false);
    const progress: PullProgress[] = [];
    await engine.pull(ref, { insecureRegistries: [REGISTRY], onProgress: (p) => progress.push(p) });
    expect(await imageExistsLocally(ref)).toBe(true);
    expect(await engine.imageExists(ref)).toBe(true);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.every((p) => p.ref === ref)).toBe(true);
    expect(progress.some((p) => p.layer !== undefined && /blob/i.test(p.status))).toBe(true);
  });

  it('fails a pull of a tag the registry does not have with image-not-found', async () => {
    const ref = `${REGISTRY}/podwarden/httpd:absent-${RUN}`;
    const error = await expectCode(engine.pull(ref, { insecureRegistries: [REGISTRY] }), 'image-not-found');
    expect(error.message).toContain(ref);
  });

  it('fails a pull from a registry nobody listens on with registry-unreachable, with TLS verification on or off', async () => {
    const ref = '127.0.0.1:1/podwarden/httpd:1';
    // Listed as insecure → tlsVerify=false; not listed → tlsVerify=true (both on the libpod endpoint).
    const plainHttp = await expectCode(
      engine.pull(ref, { insecureRegistries: ['127.0.0.1:1'] }),
      'registry-unreachable',
    );
    expect(plainHttp.message).toContain('127.0.0.1:1');
    expect(plainHttp.message).toMatch(/connection refused/);
    const verified = await expectCode(engine.pull(ref), 'registry-unreachable');
    expect(verified.message).toMatch(/connection refused/);
  });

  it('refuses to pull from the plain-HTTP registry unless it is listed as insecure', async () => {
    const ref = await pushUniqueTag('sleeper');
    pulledRefs.push(ref);
    const error = await expectCode(engine.pull(ref), 'registry-unreachable');
    expect(error.message).toContain(REGISTRY);
    expect(error.message).toMatch(/plain HTTP/);
    expect(error.message).toMatch(/HTTP response to HTTPS client/);
    expect(error.message).toContain(`--insecure-registry ${REGISTRY}`);
    expect(await imageExistsLocally(ref)).toBe(false);
  });

  it('says where it stores images and how much room is left there (statfs on this host)', async () => {
    const space = await engine.storageSpace();
    expect(space.root).toBe('/var/lib/containers/storage');
    expect(space.freeBytes).toBeGreaterThan(0);
  });

  it('builds an image from a context directory, honouring .dockerignore', async () => {
    const context = await mkdtemp(join(tmpdir(), 'podwarden-build-'));
    tempDirs.push(context);
    await mkdir(join(context, 'sub', 'deeper'), { recursive: true });
    await writeFile(join(context, 'sub', 'a.txt'), 'a\n');
    await writeFile(join(context, 'sub', 'deeper', 'b.txt'), 'b\n');
    await writeFile(join(context, 'ignored.txt'), 'must not reach the engine\n');
    await writeFile(join(context, '.dockerignore'), 'ignored.txt\n');
    await writeFile(
      join(context, 'Containerfile'),
      [
        'FROM localhost/podwarden/busybox-base:latest',
        'COPY . /ctx/',
        'RUN test -f /ctx/sub/a.txt && test -f /ctx/sub/deeper/b.txt && test ! -e /ctx/ignored.txt',
        `LABEL io.podwarden.test-build="${RUN}"`,
        '',
      ].join('\n'),
    );
    const progress: PullProgress[] = [];
    await engine.build({ tag: BUILD_TAG, context }, { onProgress: (p) => progress.push(p) });
    expect(await engine.imageExists(BUILD_TAG)).toBe(true);
    expect(progress.some((p) => /STEP 3\/4: RUN/.test(p.status))).toBe(true);
    const labels = await podman(['image', 'inspect', '--format', '{{json .Labels}}', BUILD_TAG]);
    expect(JSON.parse(labels)).toMatchObject({ 'io.podwarden.test-build': RUN });
  });

  it('reports a failing build step as an error naming the tag and the cause', async () => {
    const context = await mkdtemp(join(tmpdir(), 'podwarden-build-'));
    tempDirs.push(context);
    await writeFile(join(context, 'Dockerfile'), 'FROM localhost/podwarden/busybox-base:latest\nRUN exit 7\n');
    const tag = `localhost/podwarden-test/failing-${RUN}:1`;
    const error = await expectCode(engine.build({ tag, context }), 'engine');
    expect(error.message).toContain(tag);
    expect(error.message).toMatch(/exit status 7/);
    expect(await engine.imageExists(tag)).toBe(false);
  });
});

describe('dockerode engine on real podman: containers', () => {
  it('creates idempotently for the same owner and refuses a name held by another owner', async () => {
    const first = await engine.create(spec('dup'));
    const second = await engine.create(spec('dup'));
    expect(second.id).toBe(first.id);
    const foreign = spec('dup', { labels: { [LABELS.owner]: OTHER_OWNER } });
    const error = await expectCode(engine.create(foreign), 'name-conflict');
    expect(error.message).toContain(name('dup'));
    expect(error.message).toContain(OWNER);
    const list = await engine.list({ [LABELS.owner]: OWNER, [LABELS.app]: 'dup' });
    expect(list.map((c) => c.id)).toEqual([first.id]);
  });

  it('fails a create whose image is not in local storage with image-not-found', async () => {
    const missing = `${REGISTRY}/podwarden/absent-${RUN}:1`;
    const error = await expectCode(engine.create(spec('noimage', { image: missing })), 'image-not-found');
    expect(error.message).toContain(missing);
    expect(error.message).toContain(name('noimage'));
    expect(await engine.inspect(name('noimage'))).toBeNull();
  });

  it('passes every field of the spec to the engine', async () => {
    const port = await freePort();
    const bindDir = await mkdtemp(join(tmpdir(), 'podwarden-bind-'));
    tempDirs.push(bindDir);
    const { id } = await engine.create(
      spec('fields', {
        image: image('sleeper'),
        command: ['sleep', '300'],
        env: { APP_NAME: 'fields test', EMPTY: '' },
        labels: { [LABELS.owner]: OWNER, [LABELS.app]: 'fields', [LABELS.role]: 'app' },
        ports: [{ hostIp: '127.0.0.1', hostPort: port, containerPort: 8080, protocol: 'tcp' }],
        mounts: [
          { source: bindDir, target: '/data', readOnly: true },
          { source: VOLUME, target: '/state', readOnly: false },
        ],
        tmpfs: ['/scratch'],
        user: '1000:1000',
        capAdd: ['NET_ADMIN'],
        stopTimeoutSeconds: 3,
        healthcheck: { test: ['true'], intervalSeconds: 30, timeoutSeconds: 5, retries: 3, startPeriodSeconds: 2 },
      }),
    );
    const inspected = await inspectJson(id);
    expect(inspected.Name).toBe(name('fields'));
    expect(inspected.Config.Env).toEqual(expect.arrayContaining(['APP_NAME=fields test', 'EMPTY=']));
    expect(inspected.Config.Cmd).toEqual(['sleep', '300']);
    expect(inspected.Config.User).toBe('1000:1000');
    expect(inspected.Config.StopTimeout).toBe(3);
    expect(inspected.Config.Labels).toMatchObject({ [LABELS.role]: 'app' });
    expect(inspected.Config.Healthcheck).toMatchObject({
      Test: ['CMD', 'true'],
      Interval: 30_000_000_000,
      Timeout: 5_000_000_000,
      Retries: 3,
      StartPeriod: 2_000_000_000,
    });
    expect(inspected.HostConfig.PortBindings).toEqual({
      '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: String(port) }],
    });
    expect(inspected.HostConfig.CapAdd).toEqual(expect.arrayContaining(['CAP_NET_ADMIN']));
    expect(inspected.HostConfig.Tmpfs).toHaveProperty('/scratch');
    const mounts = inspected.Mounts as Array<{
      Type: string;
      Source: string;
      Name?: string;
      Destination: string;
      RW: boolean;
    }>;
    expect(mounts).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Type: 'bind', Source: bindDir, Destination: '/data', RW: false }),
        expect.objectContaining({ Type: 'volume', Name: VOLUME, Destination: '/state', RW: true }),
      ]),
    );
  });

  it('starts, stops and removes idempotently; inspect of a missing container is null', async () => {
    const { id } = await engine.create(spec('idem'));
    expect((await engine.inspect(id))?.status).toBe('created');
    await engine.start(id);
    await engine.start(id);
    const running = await engine.inspect(id);
    expect(running).toMatchObject({ id, name: name('idem'), status: 'running', image: image('httpd') });
    expect(running?.pid).toBeGreaterThan(0);
    expect(running?.labels[LABELS.owner]).toBe(OWNER);
    await engine.stop(id, { timeoutSeconds: 5 });
    await engine.stop(id, { timeoutSeconds: 5 });
    const stopped = await engine.inspect(id);
    expect(stopped?.status).toBe('exited');
    expect(stopped?.finishedAt).toBeGreaterThan(0);
    await engine.remove(id);
    await engine.remove(id);
    expect(await engine.inspect(id)).toBeNull();
    expect(await engine.inspect(name('idem'))).toBeNull();
  });

  it("gives a stop the container's own grace period on top of the API timeout", async () => {
    // `sleep` as PID 1 ignores SIGTERM: podman waits the container's StopTimeout (15 s, more
    // than the engines' default 10 s plus the 4 s API deadline), then kills. The stop call must
    // not be cut short and reported as an unreachable engine. The 4 s (not less) leave room for
    // podman's own work on a loaded machine; only the stop goes through that deadline.
    const quick = createDockerodeEngine({ socketPath: SOCKET_PATH, apiTimeoutMs: 4_000 });
    const { id } = await engine.create(
      spec('grace', {
        image: 'localhost/podwarden/busybox-base:latest',
        command: ['sleep', '300'],
        stopTimeoutSeconds: 15,
      }),
    );
    await engine.start(id);
    await quick.stop(id);
    expect(await engine.inspect(id)).toMatchObject({ status: 'exited', exitCode: 137 });
  });

  it('names the container in the error of a start of a container that does not exist', async () => {
    const error = await expectCode(engine.start(name('ghost')), 'not-found');
    expect(error.message).toContain(name('ghost'));
  });

  it('lists exactly the containers with the labels, with their state, exit code and health', async () => {
    const listOwner = `${OWNER}-list`;
    const labelled = (suffix: string, img: SampleImageName): ContainerSpec =>
      spec(`list-${suffix}`, { image: image(img), labels: { [LABELS.owner]: OWNER, [LABELS.app]: `list-${suffix}` } });
    const created = await engine.create(labelled('created', 'sleeper'));
    const running = await engine.create(labelled('running', 'sleeper'));
    const crashed = await engine.create(labelled('crashed', 'crasher'));
    const paused = await engine.create(labelled('paused', 'sleeper'));
    // Another label value and another owner: must not show up.
    await engine.create(spec('list-foreign', { labels: { [LABELS.owner]: OTHER_OWNER, [LABELS.app]: 'list-x' } }));
    for (const c of [running, crashed, paused]) await engine.start(c.id);
    await pause(paused.id);
    await until(
      'the crasher to exit',
      async () => (await engine.inspect(crashed.id))?.status === 'exited',
      60_000,
      100,
    );

    const mine = (await engine.list({ [LABELS.owner]: OWNER })).filter((c) => c.name.includes('-list-'));
    expect(mine.map((c) => c.name).sort()).toEqual(
      [name('list-crashed'), name('list-created'), name('list-paused'), name('list-running')].sort(),
    );
    const byName = new Map(mine.map((c) => [c.name, c]));
    expect(byName.get(name('list-created'))).toMatchObject({ id: created.id, status: 'created', health: 'none' });
    expect(byName.get(name('list-running'))).toMatchObject({ id: running.id, status: 'running' });
    expect(byName.get(name('list-running'))?.exitCode).toBeUndefined();
    expect(byName.get(name('list-crashed'))).toMatchObject({ id: crashed.id, status: 'exited', exitCode: 3 });
    expect(byName.get(name('list-paused'))).toMatchObject({ id: paused.id, status: 'paused' });
    expect(byName.get(name('list-running'))?.labels[LABELS.app]).toBe('list-running');
    expect(byName.get(name('list-running'))?.image).toBe(image('sleeper'));

    // Several labels: all must match.
    const one = await engine.list({ [LABELS.owner]: OWNER, [LABELS.app]: 'list-crashed' });
    expect(one.map((c) => c.id)).toEqual([crashed.id]);
    expect(await engine.list({ [LABELS.owner]: listOwner })).toEqual([]);
  });

  it('reports health from the list once podman has run the check', async () => {
    const { id } = await engine.create(spec('health', { image: image('unhealthy') }));
    await engine.start(id);
    // Podman cannot schedule checks without systemd (see notes): run them by hand past retries.
    for (let i = 0; i < 3; i++) {
      await podman(['healthcheck', 'run', id]).catch(() => undefined);
    }
    const [listed] = await engine.list({ [LABELS.owner]: OWNER, [LABELS.app]: 'health' });
    expect(listed).toMatchObject({ id, status: 'running', health: 'unhealthy' });
    expect((await engine.inspect(id))?.health).toBe('unhealthy');
  });

  it('fails the start of a second container on a taken host port with port-in-use', async () => {
    const port = await freePort();
    const ports = [{ hostIp: '127.0.0.1', hostPort: port, containerPort: 8080, protocol: 'tcp' as const }];
    const first = await engine.create(spec('port-a', { ports }));
    const second = await engine.create(spec('port-b', { ports }));
    await engine.start(first.id);
    const error = await expectCode(engine.start(second.id), 'port-in-use');
    expect(error.message).toContain(second.id);
    expect(error.message).toContain(String(port));
  });
});

describe('dockerode engine on real podman: events', () => {
  it('streams connected, then create, start, die with exit code and remove, for our containers only', async () => {
    const events: EngineEvent[] = [];
    const errors: unknown[] = [];
    const subscription = engine.events({ [LABELS.owner]: OWNER }).subscribe({
      next: (event) => events.push(event),
      error: (error) => errors.push(error),
    });
    try {
      await until('connected', () => events.length > 0, 60_000);
      expect(events[0]).toEqual({ kind: 'connected' });

      const foreign = await engine.create(spec('ev-foreign', { labels: { [LABELS.owner]: OTHER_OWNER } }));
      const { id } = await engine.create(spec('ev'));
      await engine.start(id);
      await kill(id);
      await until(
        'die',
        () => events.find((e) => e.kind === 'container' && e.containerId === id && e.action === 'die'),
        20_000,
      );
      await engine.remove(id);
      await engine.remove(foreign.id);
      await until(
        'remove',
        () => events.find((e) => e.kind === 'container' && e.containerId === id && e.action === 'remove'),
        20_000,
      );

      expect(errors).toEqual([]);
      const ours = events.filter((e) => e.kind === 'container');
      expect(ours.every((e) => e.kind === 'container' && e.labels[LABELS.owner] === OWNER)).toBe(true);
      expect(ours.some((e) => e.kind === 'container' && e.containerId === foreign.id)).toBe(false);
      const actions = ours
        .filter((e) => e.kind === 'container' && e.containerId === id)
        .map((e) => e.kind === 'container' && e.action);
      const order = ['create', 'start', 'die', 'remove'].map((action) => actions.indexOf(action as never));
      expect(
        order.every((index) => index >= 0),
        actions.join(','),
      ).toBe(true);
      expect([...order].sort((a, b) => a - b)).toEqual(order);
      const die = ours.find((e) => e.kind === 'container' && e.containerId === id && e.action === 'die');
      expect(die).toMatchObject({ kind: 'container', exitCode: 137 });
      if (die?.kind === 'container') {
        expect(die.labels[LABELS.app]).toBe('ev');
        expect(Math.abs(die.time - Date.now())).toBeLessThan(60_000);
      }
    } finally {
      subscription.unsubscribe();
    }
  });

  it('closes the connection when unsubscribed', async () => {
    const before = openSockets();
    let subscription: Subscription | undefined;
    const connected = new Promise<void>((resolve) => {
      subscription = engine.events({ [LABELS.owner]: OWNER }).subscribe((event) => {
        if (event.kind === 'connected') resolve();
      });
    });
    await connected;
    const opened = [...openSockets()].filter((socket) => !before.has(socket));
    expect(opened).toHaveLength(1);
    subscription?.unsubscribe();
    await until('the event socket to close', () => !openSockets().has(opened[0]!), 30_000);
  });
});

describe('dockerode engine: transport failures', () => {
  it('reports a missing socket as unreachable, naming the socket', async () => {
    const socketPath = join(tmpdir(), `podwarden-absent-${RUN}.sock`);
    const absent = createDockerodeEngine({ socketPath });
    const error = await expectCode(absent.ping(), 'unreachable');
    expect(error.message).toContain(socketPath);
    await expectCode(absent.list({ [LABELS.owner]: OWNER }), 'unreachable');
    const streamError = await new Promise<unknown>((resolve) => {
      absent.events({}).subscribe({ error: resolve });
    });
    expect(streamError).toBeInstanceOf(EngineError);
    expect((streamError as EngineError).code).toBe('unreachable');
  });

  it('reports an engine that accepts the connection but never answers as unreachable', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'podwarden-silent-'));
    tempDirs.push(dir);
    const socketPath = join(dir, 'silent.sock');
    const sockets = new Set<Socket>();
    const server = createNetServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    try {
      const silent = createDockerodeEngine({ socketPath, apiTimeoutMs: 300 });
      const error = await expectCode(silent.inspect('anything'), 'unreachable');
      expect(error.message).toContain(socketPath);
      expect(error.message).toMatch(/did not answer/);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('parses an event stream split at arbitrary points and errors when the engine hangs up', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'podwarden-events-'));
    tempDirs.push(dir);
    const socketPath = join(dir, 'events.sock');
    const raw = (action: string, exitCode?: string): string =>
      JSON.stringify({
        status: action,
        id: 'c0ffee',
        Type: 'container',
        Action: action,
        Actor: {
          ID: 'c0ffee',
          Attributes: { [LABELS.owner]: 'split', name: 'ünïcode-näme', ...(exitCode ? { exitCode } : {}) },
        },
        time: 1_700_000_000,
        timeNano: 1_700_000_000_123_456_800, // podman sends nanoseconds as a JSON number: past 2^53 it is already rounded
      });
    const body = Buffer.from(`${raw('start')}\n${raw('init')}\n${raw('die', '3')}\n`);
    let pending: ServerResponse | undefined;
    let release: () => void = () => undefined;
    const finish = new Promise<void>((resolve) => {
      release = resolve;
    });
    const server = createHttpServer((req, res) => {
      pending = res;
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.flushHeaders();
      void (async () => {
        // Cut inside a multi-byte character and inside objects.
        const cuts = [5, body.indexOf('ü') + 1, body.length - 40, body.length];
        let from = 0;
        for (const to of cuts) {
          res.write(body.subarray(from, to));
          from = to;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        await finish;
        res.end();
      })();
    });
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    try {
      const fake = createDockerodeEngine({ socketPath });
      const events: EngineEvent[] = [];
      const failure = new Promise<unknown>((resolve) => {
        fake.events({ [LABELS.owner]: 'split' }).subscribe({ next: (e) => events.push(e), error: resolve });
      });
      await until('three events', () => events.length >= 3);
      expect(events).toEqual([
        { kind: 'connected' },
        expect.objectContaining({ kind: 'container', action: 'start', containerId: 'c0ffee', time: 1_700_000_000_123 }),
        expect.objectContaining({ kind: 'container', action: 'die', exitCode: 3 }),
      ]);
      expect(events[1]).toMatchObject({ labels: { name: 'ünïcode-näme' } });
      release();
      const error = await failure;
      expect(error).toBeInstanceOf(EngineError);
      expect((error as EngineError).code).toBe('unreachable');
      expect((error as EngineError).message).toContain(socketPath);
    } finally {
      release();
      pending?.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
