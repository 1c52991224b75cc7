import type { Subscription } from 'rxjs';
import { describe, expect, it, vi } from 'vitest';
import { useFakeClock } from '../support/fake-clock.js';
import { LABELS } from '../../src/domain/labels.js';
import { EngineError } from '../../src/domain/engine-error.js';
import { type ContainerSpec } from '../../src/domain/container-spec.js';
import { type EngineEvent } from '../../src/engine/port.js';
import { createSimulatedEngine, type SimulatedEngine } from '../../src/engine/simulator/simulator.js';
import {
  SAMPLE_IMAGE_BEHAVIOURS,
  SAMPLE_IMAGE_NAMES,
  sampleImageRef,
  sampleRegistry,
  type SampleImageName,
} from '../../src/engine/simulator/simulator-images.js';

// What the simulator does beyond what test/conformance checks against podman: its knobs,
// fault injection and the outside world. Fake timers drive every delay.

const OWNER = 'sim-test';
const REGISTRY = '127.0.0.1:5000';
const INSECURE = { insecureRegistries: [REGISTRY] };

function spec(name: string, image: SampleImageName | string, extra: Partial<ContainerSpec> = {}): ContainerSpec {
  return {
    name,
    image: (SAMPLE_IMAGE_NAMES as readonly string[]).includes(image) ? sampleImageRef(image as SampleImageName) : image,
    env: {},
    labels: { [LABELS.owner]: OWNER, [LABELS.app]: name },
    ports: [],
    mounts: [],
    tmpfs: [],
    capAdd: [],
    ...extra,
  };
}

/** An engine with every sample image already in local storage. */
function engineWithImages(options: Parameters<typeof createSimulatedEngine>[0] = {}): SimulatedEngine {
  return createSimulatedEngine({ registry: sampleRegistry(), localImages: sampleRegistry(), ...options });
}

interface Recorder {
  events: EngineEvent[];
  errors: unknown[];
  subscription: Subscription;
}

function record(engine: SimulatedEngine, labels: Record<string, string> = { [LABELS.owner]: OWNER }): Recorder {
  const recorder: Recorder = { events: [], errors: [], subscription: undefined as unknown as Subscription };
  recorder.subscription = engine.events(labels).subscribe({
    next: (event) => recorder.events.push(event),
    error: (error: unknown) => recorder.errors.push(error),
  });
  return recorder;
}

function actions(recorder: Recorder): string[] {
  return recorder.events.map((e) => (e.kind === 'connected' ? 'connected' : e.action));
}

async function rejection(promise: Promise<unknown>): Promise<EngineError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof EngineError) return error;
    throw error;
  }
  throw new Error('expected the call to reject');
}

useFakeClock();

describe('event streams', () => {
  it('emits connected first and loses what happened before the stream was accepted', async () => {
    const engine = engineWithImages();
    const recorder = record(engine);
    await engine.create(spec('early', 'sleeper'));
    await vi.advanceTimersByTimeAsync(0);
    await engine.create(spec('late', 'sleeper'));
    await vi.advanceTimersByTimeAsync(0);
    expect(actions(recorder)).toEqual(['connected', 'create']);
    const created = recorder.events[1];
    expect(created?.kind === 'container' && created.labels[LABELS.app]).toBe('late');
  });

  it('delivers only the events of containers carrying every subscribed label', async () => {
    const engine = engineWithImages();
    const both = record(engine, { [LABELS.owner]: OWNER, [LABELS.app]: 'mine' });
    await vi.advanceTimersByTimeAsync(0);
    await engine.create(spec('mine', 'sleeper'));
    await engine.create(spec('other', 'sleeper'));
    await engine.create({
      ...spec('mine-foreign', 'sleeper'),
      labels: { [LABELS.owner]: 'someone-else', [LABELS.app]: 'mine' },
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(actions(both)).toEqual(['connected', 'create']);
  });

  it('never filters on the attributes podman adds to events (name, image)', async () => {
    const engine = engineWithImages();
    const byName = record(engine, { name: 'web' });
    await vi.advanceTimersByTimeAsync(0);
    const { id } = await engine.create(spec('web', 'sleeper'));
    await vi.advanceTimersByTimeAsync(0);
    expect(actions(byName)).toEqual(['connected']);
    const all = record(engine, {});
    await vi.advanceTimersByTimeAsync(0);
    await engine.start(id);
    await vi.advanceTimersByTimeAsync(0);
    const started = all.events[1];
    expect(started?.kind === 'container' && started.labels).toMatchObject({
      name: 'web',
      image: sampleImageRef('sleeper'),
    });
  });

  it('holds events back by the event latency and keeps their order when it changes', async () => {
    const engine = engineWithImages({ eventLatencyMs: 250 });
    const recorder = record(engine);
    await vi.advanceTimersByTimeAsync(0);
    const { id } = await engine.create(spec('slow', 'sleeper'));
    engine.control.setEventLatency(0);
    await engine.start(id);
    await vi.advanceTimersByTimeAsync(249);
    expect(actions(recorder)).toEqual(['connected']);
    await vi.advanceTimersByTimeAsync(1);
    expect(actions(recorder)).toEqual(['connected', 'create', 'start']);
    const [, created, started] = recorder.events;
    expect(created?.kind === 'container' && created.time).toBe(started?.kind === 'container' && started.time);
  });

  it('dropEventStreams errors every open stream with unreachable; a new one connects again', async () => {
    const engine = engineWithImages();
    const first = record(engine);
    const second = record(engine, {});
    await vi.advanceTimersByTimeAsync(0);
    expect(engine.control.openEventStreams).toBe(2);
    engine.control.dropEventStreams();
    expect(first.errors).toHaveLength(1);
    expect(second.errors).toHaveLength(1);
    expect((first.errors[0] as EngineError).code).toBe('unreachable');
    expect(engine.control.openEventStreams).toBe(0);
    const again = record(engine);
    await vi.advanceTimersByTimeAsync(0);
    await engine.create(spec('after', 'sleeper'));
    await vi.advanceTimersByTimeAsync(0);
    expect(actions(again)).toEqual(['connected', 'create']);
  });

  it('rotateEventLog re-delivers the newest events, identical, to open streams only', async () => {
    const engine = engineWithImages();
    const recorder = record(engine);
    await vi.advanceTimersByTimeAsync(0);
    const { id } = await engine.create(spec('again', 'sleeper'));
    await engine.start(id);
    await vi.advanceTimersByTimeAsync(1);
    engine.control.rotateEventLog(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(actions(recorder)).toEqual(['connected', 'create', 'start', 'start']);
    expect(recorder.events[3]).toEqual(recorder.events[2]);
  });

  it('unsubscribing closes the stream and stops delivery', async () => {
    const engine = engineWithImages({ eventLatencyMs: 10 });
    const recorder = record(engine);
    await vi.advanceTimersByTimeAsync(0);
    await engine.create(spec('gone', 'sleeper'));
    recorder.subscription.unsubscribe();
    await vi.advanceTimersByTimeAsync(100);
    expect(actions(recorder)).toEqual(['connected']);
    expect(engine.control.openEventStreams).toBe(0);
  });
});

describe('reachability', () => {
  it('an unreachable engine rejects every call, cuts streams, refuses new ones, and keeps its containers', async () => {
    const engine = engineWithImages();
    const { id } = await engine.create(spec('survivor', 'sleeper'));
    await engine.start(id);
    const stream = record(engine);
    await vi.advanceTimersByTimeAsync(0);

    engine.control.setReachable(false);
    expect((stream.errors[0] as EngineError).code).toBe('unreachable');
    for (const call of [
      engine.ping(),
      engine.imageExists(sampleImageRef('httpd')),
      engine.pull(sampleImageRef('httpd'), INSECURE),
      engine.create(spec('new', 'sleeper')),
      engine.start(id),
      engine.stop(id),
      engine.remove(id),
      engine.inspect(id),
      engine.list({}),
    ]) {
      expect((await rejection(call)).code).toBe('unreachable');
    }
    const refused = record(engine);
    await vi.advanceTimersByTimeAsync(0);
    expect(actions(refused)).toEqual([]);
    expect((refused.errors[0] as EngineError).code).toBe('unreachable');

    engine.control.setReachable(true);
    expect(await engine.ping()).toEqual({
      flavor: 'podman',
      version: '4.3.1',
      rootless: false,
      runsHealthchecks: false,
    });
    expect((await engine.inspect(id))?.status).toBe('running');
  });
});

describe('fault injection and counters', () => {
  it('failNext fails the next calls of one method only, as many times as asked', async () => {
    const engine = engineWithImages();
    engine.control.failNext('create', 'disk-full', 2);
    expect((await rejection(engine.create(spec('a', 'sleeper')))).code).toBe('disk-full');
    expect((await rejection(engine.create(spec('a', 'sleeper')))).code).toBe('disk-full');
    expect(await engine.list({})).toEqual([]);
    const { id } = await engine.create(spec('a', 'sleeper'));
    expect(id).toMatch(/^[0-9a-f]{64}$/);
  });

  it('failNext on events errors the next subscription with the given error', async () => {
    const engine = engineWithImages();
    const injected = new EngineError('unreachable', 'injected for the test');
    engine.control.failNext('events', injected);
    const failed = record(engine);
    await vi.advanceTimersByTimeAsync(0);
    expect(failed.errors).toEqual([injected]);
    const next = record(engine);
    await vi.advanceTimersByTimeAsync(0);
    expect(actions(next)).toEqual(['connected']);
  });

  it('counts calls per method, failed ones included, until reset', async () => {
    const engine = engineWithImages();
    await engine.list({ [LABELS.owner]: OWNER });
    await engine.inspect('nothing');
    await rejection(engine.start('nothing'));
    record(engine);
    expect(engine.control.calls).toMatchObject({ list: 1, inspect: 1, start: 1, events: 1, create: 0 });
    engine.control.resetCalls();
    expect(Object.values(engine.control.calls).every((n) => n === 0)).toBe(true);
  });

  it('call latency delays every call', async () => {
    const engine = engineWithImages({ callLatencyMs: 100 });
    let answered = false;
    void engine.ping().then(() => {
      answered = true;
    });
    await vi.advanceTimersByTimeAsync(99);
    expect(answered).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(answered).toBe(true);
  });
});

describe('registry and pulls', () => {
  it('pulls a published image into local storage, with progress', async () => {
    const engine = createSimulatedEngine({ registry: sampleRegistry() });
    const ref = sampleImageRef('httpd');
    expect(await engine.imageExists(ref)).toBe(false);
    const progress: string[] = [];
    await engine.pull(ref, { ...INSECURE, onProgress: (p) => progress.push(p.status) });
    expect(progress).toEqual(['Pulling fs layer', 'Download complete']);
    expect(await engine.imageExists(ref)).toBe(true);
  });

  it('treats an untagged ref as :latest', async () => {
    const engine = createSimulatedEngine({ registry: { 'registry.example/app': { kind: 'serve' } } });
    await engine.pull('registry.example/app:latest');
    expect(await engine.imageExists('registry.example/app')).toBe(true);
  });

  it('rejects an unknown ref with image-not-found', async () => {
    const engine = createSimulatedEngine({ registry: sampleRegistry() });
    const error = await rejection(engine.pull(sampleImageRef('httpd', REGISTRY, 'nope'), INSECURE));
    expect(error.code).toBe('image-not-found');
    expect(error.message).toContain('manifest unknown');
  });

  it('rejects a plain-HTTP registry that is not listed as insecure, like podman, naming the option', async () => {
    const engine = createSimulatedEngine({ registry: sampleRegistry() });
    const error = await rejection(engine.pull(sampleImageRef('httpd')));
    expect(error.code).toBe('registry-unreachable');
    expect(error.message).toContain('http: server gave HTTP response to HTTPS client');
    expect(error.message).toContain(`--insecure-registry ${REGISTRY}`);
  });

  it("reports podman's image store and a free space the test sets", async () => {
    const engine = createSimulatedEngine({ freeBytes: 5_000 });
    expect(await engine.storageSpace()).toEqual({ root: '/var/lib/containers/storage', freeBytes: 5_000 });
    engine.control.setFreeSpace(12);
    expect((await engine.storageSpace()).freeBytes).toBe(12);
    expect(engine.control.calls.storageSpace).toBe(2);
  });

  it('an unreachable registry fails pulls with registry-unreachable', async () => {
    const engine = createSimulatedEngine({ registry: sampleRegistry() });
    engine.control.setRegistryReachable(false);
    expect((await rejection(engine.pull(sampleImageRef('httpd'), INSECURE))).code).toBe('registry-unreachable');
    engine.control.setRegistryReachable(true);
    await engine.pull(sampleImageRef('httpd'), INSECURE);
  });

  it('a pull takes the pull latency', async () => {
    const engine = createSimulatedEngine({ registry: sampleRegistry(), pullLatencyMs: 2_000 });
    let done = false;
    void engine.pull(sampleImageRef('sleeper'), INSECURE).then(() => {
      done = true;
    });
    await vi.advanceTimersByTimeAsync(1_999);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(done).toBe(true);
  });

  it('a locally removed image fails new creates while its containers keep running', async () => {
    const engine = engineWithImages();
    const { id } = await engine.create(spec('keeps', 'sleeper'));
    await engine.start(id);
    engine.control.removeLocalImage(sampleImageRef('sleeper'));
    expect((await rejection(engine.create(spec('fresh', 'sleeper')))).code).toBe('image-not-found');
    expect((await engine.inspect(id))?.status).toBe('running');
  });

  it('builds only contexts the test defined', async () => {
    const engine = createSimulatedEngine();
    expect((await rejection(engine.build({ tag: 'local/app:1', context: '/nowhere' }))).code).toBe('not-found');
    engine.control.defineBuildContext('/src/app', { kind: 'exit', code: 0 });
    await engine.build({ tag: 'local/app:1', context: '/src/app' });
    expect(await engine.imageExists('local/app:1')).toBe(true);
  });
});

describe('containers', () => {
  it('a retried create returns the same id; another owner or no owner gets name-conflict', async () => {
    const engine = engineWithImages();
    const first = await engine.create(spec('web', 'httpd'));
    expect(await engine.create(spec('web', 'httpd'))).toEqual(first);
    const foreign = { ...spec('web', 'httpd'), labels: { [LABELS.owner]: 'other' } };
    expect((await rejection(engine.create(foreign))).code).toBe('name-conflict');
    expect((await rejection(engine.create({ ...spec('web', 'httpd'), labels: {} }))).code).toBe('name-conflict');
  });

  it('rejects names podman rejects', async () => {
    const engine = engineWithImages();
    expect((await rejection(engine.create(spec('bad name', 'sleeper')))).code).toBe('engine');
  });

  it('finds containers by id, name and unique id prefix', async () => {
    const engine = engineWithImages();
    const { id } = await engine.create(spec('findme', 'sleeper'));
    expect((await engine.inspect(id))?.name).toBe('findme');
    expect((await engine.inspect('findme'))?.id).toBe(id);
    expect((await engine.inspect(id.slice(0, 12)))?.id).toBe(id);
    expect(await engine.inspect('f'.repeat(64))).toBeNull();
  });

  it('merges image labels under the spec labels', async () => {
    const engine = createSimulatedEngine({
      localImages: { 'registry.example/app:1': { kind: 'serve', labels: { vendor: 'x', [LABELS.app]: 'image' } } },
    });
    const { id } = await engine.create(spec('labelled', 'registry.example/app:1'));
    expect((await engine.inspect(id))?.labels).toEqual({
      vendor: 'x',
      [LABELS.owner]: OWNER,
      [LABELS.app]: 'labelled',
    });
  });

  it('an exit behaviour runs, then exits with its code after afterMs and a die event', async () => {
    const engine = createSimulatedEngine({
      localImages: { 'registry.example/job:1': { kind: 'exit', code: 4, afterMs: 1_000 } },
    });
    const recorder = record(engine);
    await vi.advanceTimersByTimeAsync(0);
    const { id } = await engine.create(spec('job', 'registry.example/job:1'));
    await engine.start(id);
    await vi.advanceTimersByTimeAsync(999);
    expect((await engine.inspect(id))?.status).toBe('running');
    await vi.advanceTimersByTimeAsync(1);
    expect(await engine.inspect(id)).toMatchObject({ status: 'exited', exitCode: 4, pid: 0 });
    // Delivery is a timer of its own; one set inside a firing timer is due 1 ms later.
    await vi.advanceTimersByTimeAsync(1);
    const die = recorder.events.at(-1);
    expect(die?.kind === 'container' && [die.action, die.exitCode]).toEqual(['die', 4]);
  });

  it('pause freezes the exit timer; unpause resumes it', async () => {
    const engine = createSimulatedEngine({
      localImages: { 'registry.example/job:1': { kind: 'exit', code: 0, afterMs: 1_000 } },
    });
    const { id } = await engine.create(spec('job', 'registry.example/job:1'));
    await engine.start(id);
    await vi.advanceTimersByTimeAsync(600);
    engine.control.pause(id);
    await vi.advanceTimersByTimeAsync(5_000);
    expect((await engine.inspect(id))?.status).toBe('paused');
    engine.control.unpause(id);
    await vi.advanceTimersByTimeAsync(399);
    expect((await engine.inspect(id))?.status).toBe('running');
    await vi.advanceTimersByTimeAsync(1);
    expect((await engine.inspect(id))?.status).toBe('exited');
  });

  it('the crasher is gone before start resolves, and honours EXIT_CODE', async () => {
    const engine = engineWithImages();
    const { id } = await engine.create(spec('crash', 'crasher', { env: { EXIT_CODE: '9' } }));
    await engine.start(id);
    expect(await engine.inspect(id)).toMatchObject({ status: 'exited', exitCode: 9 });
  });

  it('stop waits the whole timeout for an image that ignores SIGTERM, then kills', async () => {
    const engine = createSimulatedEngine({
      localImages: { 'registry.example/stubborn:1': { kind: 'serve', ignoresTerm: true } },
    });
    const { id } = await engine.create(spec('stubborn', 'registry.example/stubborn:1'));
    await engine.start(id);
    let stopped = false;
    void engine.stop(id, { timeoutSeconds: 3 }).then(() => {
      stopped = true;
    });
    await vi.advanceTimersByTimeAsync(2_999);
    expect(stopped).toBe(false);
    expect((await engine.inspect(id))?.status).toBe('running');
    await vi.advanceTimersByTimeAsync(1);
    expect(stopped).toBe(true);
    expect(await engine.inspect(id)).toMatchObject({ status: 'exited', exitCode: 137 });
  });

  it('a stop without a timeout uses the spec stop timeout, else kills at once (compat create default)', async () => {
    const engine = engineWithImages();
    const killed = await engine.create(spec('default', 'sleeper'));
    const graceful = await engine.create(spec('graceful', 'sleeper', { stopTimeoutSeconds: 10 }));
    for (const { id } of [killed, graceful]) {
      await engine.start(id);
      await engine.stop(id);
    }
    expect((await engine.inspect(killed.id))?.exitCode).toBe(137);
    expect((await engine.inspect(graceful.id))?.exitCode).toBe(0);
  });

  it('an outside process holding a host port makes start fail with port-in-use, by address overlap', async () => {
    const engine = engineWithImages();
    engine.control.holdHostPort(8080, 'tcp', '127.0.0.1');
    const port = (hostIp?: string) => [
      { hostPort: 8080, containerPort: 8080, protocol: 'tcp' as const, ...(hostIp ? { hostIp } : {}) },
    ];
    const wildcard = await engine.create(spec('wild', 'httpd', { ports: port() }));
    const otherIp = await engine.create(spec('other-ip', 'httpd', { ports: port('127.0.0.2') }));
    const udp = await engine.create(
      spec('udp', 'httpd', { ports: [{ hostPort: 8080, containerPort: 8080, protocol: 'udp' }] }),
    );
    expect((await rejection(engine.start(wildcard.id))).code).toBe('port-in-use');
    expect((await engine.inspect(wildcard.id))?.status).toBe('created');
    await engine.start(otherIp.id);
    await engine.start(udp.id);
    engine.control.releaseHostPort(8080);
    await engine.stop(otherIp.id);
    await engine.start(wildcard.id);
    expect((await engine.inspect(wildcard.id))?.status).toBe('running');
  });

  it('kill, OOM and process exits from outside emit what podman emits', async () => {
    const engine = engineWithImages();
    const recorder = record(engine);
    await vi.advanceTimersByTimeAsync(0);
    const ids = await Promise.all(
      ['k', 'o', 'x', 't'].map(async (name) => (await engine.create(spec(name, 'sleeper'))).id),
    );
    for (const id of ids) await engine.start(id);
    const [k, o, x, t] = ids as [string, string, string, string];
    engine.control.kill(k);
    engine.control.oomKill(o);
    engine.control.exitProcess(x, 42);
    engine.control.kill(t, 'SIGTERM');
    await vi.advanceTimersByTimeAsync(0);
    const after = (id: string) =>
      recorder.events.flatMap((e) =>
        e.kind === 'container' && e.containerId === id && e.action !== 'create' && e.action !== 'start'
          ? [e.action === 'die' ? `die:${e.exitCode}` : e.action]
          : [],
      );
    expect(after(k)).toEqual(['kill', 'die:137']);
    expect(after(o)).toEqual(['oom', 'die:137']);
    expect(after(x)).toEqual(['die:42']);
    expect(after(t)).toEqual(['kill', 'die:0']);
    expect((await engine.inspect(o))?.oomKilled).toBe(true);
  });

  it('an outside rm -f is complete when the control call returns; a paused container dies 137', async () => {
    const engine = engineWithImages();
    const recorder = record(engine);
    await vi.advanceTimersByTimeAsync(0);
    const { id } = await engine.create(spec('doomed', 'sleeper'));
    await engine.start(id);
    engine.control.pause(id);
    engine.control.removeBehindBack(id);
    expect(engine.control.containerCount).toBe(0);
    expect(await engine.inspect(id)).toBeNull();
    await vi.advanceTimersByTimeAsync(1);
    expect(
      recorder.events.flatMap((e) =>
        e.kind === 'container' ? [e.action === 'die' ? `die:${e.exitCode}` : e.action] : [],
      ),
    ).toEqual(['create', 'start', 'pause', 'die:137', 'remove']);
  });

  it('setHealth changes the health and emits a health event', async () => {
    const engine = engineWithImages();
    const recorder = record(engine);
    await vi.advanceTimersByTimeAsync(0);
    const { id } = await engine.create(spec('web', 'httpd'));
    await engine.start(id);
    expect((await engine.inspect(id))?.health).toBe('starting');
    engine.control.setHealth(id, 'unhealthy');
    await vi.advanceTimersByTimeAsync(0);
    expect((await engine.list({ [LABELS.owner]: OWNER }))[0]?.health).toBe('unhealthy');
    const event = recorder.events.at(-1);
    expect(event?.kind === 'container' && [event.action, event.health]).toEqual(['health', 'unhealthy']);
  });

  it('isServing follows slowstart SLOW_SECONDS and the unhealthy image', async () => {
    const engine = engineWithImages();
    const slow = await engine.create(spec('slow', 'slowstart', { env: { SLOW_SECONDS: '3' } }));
    const sick = await engine.create(spec('sick', 'unhealthy'));
    await engine.start(slow.id);
    await engine.start(sick.id);
    expect(engine.control.isServing(slow.id)).toBe(false);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(engine.control.isServing(slow.id)).toBe(true);
    expect(engine.control.isServing(sick.id)).toBe(false);
    expect(engine.control.runHealthcheck(slow.id)).toBe('healthy');
  });

  it('stays cheap with thousands of containers: one list per owner returns just that owner', async () => {
    vi.useRealTimers();
    const engine = engineWithImages();
    const owners = ['a', 'b', 'c', 'd'];
    for (let i = 0; i < 2_000; i += 1) {
      const owner = owners[i % owners.length] ?? 'a';
      const { id } = await engine.create({ ...spec(`c${i}`, 'sleeper'), labels: { [LABELS.owner]: owner } });
      if (i % 2 === 0) await engine.start(id);
    }
    engine.control.resetCalls();
    const listed = await engine.list({ [LABELS.owner]: 'b' });
    expect(listed).toHaveLength(500);
    expect(listed.every((c) => c.labels[LABELS.owner] === 'b')).toBe(true);
    expect(engine.control.calls.list).toBe(1);
    expect(engine.control.containerCount).toBe(2_000);
  });
});

describe('sample images', () => {
  it('has a behaviour for every sample image, each pullable from the sample registry', async () => {
    const engine = createSimulatedEngine({ registry: sampleRegistry() });
    for (const name of SAMPLE_IMAGE_NAMES) {
      expect(SAMPLE_IMAGE_BEHAVIOURS[name]).toBeDefined();
      await engine.pull(sampleImageRef(name), INSECURE);
    }
    expect(SAMPLE_IMAGE_BEHAVIOURS.crasher).toMatchObject({ kind: 'exit', code: 3 });
  });
});

describe('what sample images print', () => {
  const logged = async (engine: SimulatedEngine, id: string) => {
    const lines: string[] = [];
    engine.logs(id).subscribe((line) => lines.push(`${line.stream}:${line.text}`));
    await vi.advanceTimersByTimeAsync(0);
    return lines;
  };

  it("prints the image's lines on their schedule; a pause holds them back; an ended process prints no more", async () => {
    const engine = engineWithImages();
    const { id } = await engine.create(spec('talk', 'chatter'));
    await engine.start(id);
    expect(await logged(engine, id)).toEqual(['stdout:chatter: started']);
    await vi.advanceTimersByTimeAsync(500);
    engine.control.pause(id);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(await logged(engine, id)).toEqual(['stdout:chatter: started']);
    engine.control.unpause(id);
    await vi.advanceTimersByTimeAsync(500);
    expect(await logged(engine, id)).toEqual(['stdout:chatter: started', 'stderr:chatter: a warning']);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await logged(engine, id)).toEqual([
      'stdout:chatter: started',
      'stderr:chatter: a warning',
      'stdout:chatter: done',
    ]);
    expect((await engine.inspect(id))?.status).toBe('exited');

    // Started again and stopped after its first line: the rest is never printed.
    await engine.start(id);
    await engine.stop(id, { timeoutSeconds: 10 });
    await vi.advanceTimersByTimeAsync(5_000);
    expect((await logged(engine, id)).filter((line) => line === 'stdout:chatter: started')).toHaveLength(2);
    expect(await logged(engine, id)).toHaveLength(4);
  });

  it('logs of an unknown container fail the stream with not-found', async () => {
    const engine = engineWithImages();
    const failure = new Promise<unknown>((resolve) => engine.logs('nope').subscribe({ error: resolve }));
    await vi.advanceTimersByTimeAsync(0);
    expect(await failure).toMatchObject({ code: 'not-found' });
  });
});
