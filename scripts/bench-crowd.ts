/**
 * The crowd restart on real podman, part of `npm run bench`: 50 apps killed at once, then the
 * time until every one runs again, how long each start call took, and the event-loop delay
 * while podwarden recovers them, with the engine work bounded (the default) and unbounded (what
 * podwarden did before issue 11), in one run on the same containers. Numbers, never assertions.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import Docker from 'dockerode';
import { stringify } from 'yaml';
import { createDockerodeEngine } from '../src/engine/dockerode/dockerode-engine.js';
import { DEFAULT_MAX_IN_FLIGHT } from '../src/engine/engine-work.js';
import { LABELS } from '../src/domain/labels.js';
import type { EnginePort } from '../src/engine/port.js';
import { silentLogger } from '../src/log.js';
import { createOrchestrator, type Orchestrator } from '../src/orchestrator.js';

const SOCKET = process.env.PODWARDEN_SOCKET ?? '/run/podman/podman.sock';
const REGISTRY = process.env.PODWARDEN_REGISTRY ?? '127.0.0.1:5000';
const APPS = Number(process.env.BENCH_CROWD ?? 50);
/** Each mode this many times, alternating, so a load change on the shared machine hits both. */
const ROUNDS = Number(process.env.BENCH_CROWD_ROUNDS ?? 2);

interface Measured {
  allRunningMs: number;
  /** Per app, from the kill to its machine running again. */
  backMs: number[];
  startMs: number[];
  mostInFlight: number;
  loopDelayMs: { p50: number; p99: number; max: number };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

/** The engine with its start calls timed and the mutating calls under way counted. */
function timedEngine(engine: EnginePort): { engine: EnginePort; startMs: number[]; most: () => number; reset(): void } {
  const startMs: number[] = [];
  let inFlight = 0;
  let most = 0;
  const wrap =
    <A extends unknown[], R>(call: (...args: A) => Promise<R>, timed: boolean) =>
    async (...args: A): Promise<R> => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      const begun = performance.now();
      try {
        return await call(...args);
      } finally {
        inFlight -= 1;
        if (timed) startMs.push(performance.now() - begun);
      }
    };
  return {
    engine: {
      ping: () => engine.ping(),
      imageExists: (ref) => engine.imageExists(ref),
      containerImage: (idOrName) => engine.containerImage(idOrName),
      pull: wrap((ref: string, options?: Parameters<EnginePort['pull']>[1]) => engine.pull(ref, options), false),
      build: wrap(
        (spec: Parameters<EnginePort['build']>[0], options?: Parameters<EnginePort['build']>[1]) =>
          engine.build(spec, options),
        false,
      ),
      storageSpace: () => engine.storageSpace(),
      create: wrap((spec: Parameters<EnginePort['create']>[0]) => engine.create(spec), false),
      start: wrap((id: string) => engine.start(id), true),
      stop: wrap((id: string, options?: Parameters<EnginePort['stop']>[1]) => engine.stop(id, options), false),
      remove: wrap((id: string) => engine.remove(id), false),
      inspect: (id) => engine.inspect(id),
      exec: (id, command, options) => engine.exec(id, command, options),
      list: (labels) => engine.list(labels),
      events: (labels) => engine.events(labels),
      logs: (id, options) => engine.logs(id, options),
    },
    startMs,
    most: () => most,
    reset() {
      startMs.length = 0;
      most = inFlight;
    },
  };
}

async function until(check: () => boolean, what: string, ms = 15 * 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const allRunning = (orchestrator: Orchestrator) => {
  const rows = orchestrator.status();
  return rows.length === APPS && rows.every((row) => row.state === 'running');
};

/**
 * podman answers an API kill only once the container stays down, which these never do: the
 * answers are collected and awaited after the containers are removed at the end.
 */
const kills: Array<Promise<unknown>> = [];

/** One kill wave under an orchestrator with this bound, adopting the containers already there. */
async function killWave(
  dirs: { catalogDir: string; stateDir: string },
  instance: string,
  maxInFlight: number,
): Promise<Measured> {
  const timed = timedEngine(createDockerodeEngine({ socketPath: SOCKET }));
  const orchestrator = createOrchestrator({
    engine: timed.engine,
    ...dirs,
    instance,
    namePrefix: `${instance}-`,
    insecureRegistries: [REGISTRY],
    intervalMs: 10 * 60_000,
    // Every kill gets the immediate first restart; the budget has room for every wave.
    backoff: { resetAfterMs: 1_000, budget: { restarts: 1_000, windowMs: 60 * 60_000 } },
    engineWork: { maxInFlight },
    logger: silentLogger(),
  });
  await orchestrator.start();
  await orchestrator.reconcileNow();
  await until(() => allRunning(orchestrator), 'every app to run before the wave');
  // Past the stable period, so the first restart after the kill is immediate.
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  const docker = new Docker({ socketPath: SOCKET });
  const ids = orchestrator.status().map((row) => row.containerId!);
  timed.reset();
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const killedAt = performance.now();
  const backMs = new Map<string, number>();
  const back = orchestrator.transitions$.subscribe((transition) => {
    if (transition.to === 'running' && transition.from !== null)
      backMs.set(transition.appId, performance.now() - killedAt);
  });
  kills.push(
    ...ids.map((id) =>
      docker
        .getContainer(id)
        .kill()
        .catch(() => undefined),
    ),
  );
  await until(() => timed.startMs.length >= APPS && allRunning(orchestrator), 'every app to run again');
  const allRunningMs = performance.now() - killedAt;
  loop.disable();
  back.unsubscribe();
  await orchestrator.stop();
  return {
    allRunningMs,
    backMs: [...backMs.values()],
    startMs: [...timed.startMs],
    mostInFlight: timed.most(),
    loopDelayMs: { p50: loop.percentile(50) / 1e6, p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 },
  };
}

export async function crowdRestart(): Promise<void> {
  const instance = `benchcrowd-${randomBytes(3).toString('hex')}`;
  const root = await mkdtemp(join(tmpdir(), 'podwarden-bench-crowd-'));
  const dirs = { catalogDir: join(root, 'catalog'), stateDir: join(root, 'state') };
  await mkdir(dirs.catalogDir, { recursive: true });
  const ids = Array.from({ length: APPS }, (_, i) => `app${i}`);
  for (const id of ids) {
    await writeFile(
      join(dirs.catalogDir, `${id}.yml`),
      // sleeper has no HEALTHCHECK: the health checks of 50 apps would be a load of their own.
      stringify({
        app: { id, name: id, version: '1', container: { image: `${REGISTRY}/podwarden/sleeper:1`, stopTimeout: '2s' } },
      }),
    );
  }
  const engine = createDockerodeEngine({ socketPath: SOCKET });
  try {
    // Install once (bounded); every wave after adopts these containers.
    const installer = createOrchestrator({
      engine,
      ...dirs,
      instance,
      namePrefix: `${instance}-`,
      insecureRegistries: [REGISTRY],
      intervalMs: 10 * 60_000,
      logger: silentLogger(),
    });
    await installer.start();
    for (const id of ids) await installer.install(id);
    await until(() => allRunning(installer), 'the first install');
    await installer.stop();

    const modes = [
      { name: `bounded (${DEFAULT_MAX_IN_FLIGHT} at once, the default)`, maxInFlight: DEFAULT_MAX_IN_FLIGHT },
      { name: 'unbounded (before issue 11)', maxInFlight: Infinity },
    ];
    const results = new Map<string, Measured[]>(modes.map((mode) => [mode.name, []]));
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const mode of round % 2 === 0 ? modes : [...modes].reverse()) {
        results.get(mode.name)!.push(await killWave(dirs, instance, mode.maxInFlight));
      }
    }

    console.log(
      `\ncrowd restart on real podman: ${APPS} running sleeper apps killed at once (API kill), ${ROUNDS} waves per mode, alternating`,
    );
    console.log(
      `${'mode'.padEnd(40)}${'all run again'.padStart(15)}${'app p50'.padStart(10)}${'app p90'.padStart(10)}${'start p50'.padStart(11)}${'start p99'.padStart(11)}${'start max'.padStart(11)}${'in flight'.padStart(11)}${'loop p50'.padStart(10)}${'loop p99'.padStart(10)}${'loop max'.padStart(10)}`,
    );
    for (const [name, waves] of results) {
      for (const wave of waves) {
        const ms = (n: number) => `${n.toFixed(0)} ms`.padStart(11);
        const seconds = (n: number) => `${(n / 1000).toFixed(1)} s`.padStart(10);
        console.log(
          `${name.padEnd(40)}${`${(wave.allRunningMs / 1000).toFixed(1)} s`.padStart(15)}${seconds(percentile(wave.backMs, 50))}${seconds(percentile(wave.backMs, 90))}${ms(percentile(wave.startMs, 50))}${ms(percentile(wave.startMs, 99))}${ms(Math.max(...wave.startMs))}` +
            `${String(wave.mostInFlight).padStart(11)}${`${wave.loopDelayMs.p50.toFixed(1)}`.padStart(10)}${`${wave.loopDelayMs.p99.toFixed(1)}`.padStart(10)}${`${wave.loopDelayMs.max.toFixed(1)}`.padStart(10)}`,
        );
      }
    }
    console.log(
      '(app: from the kill to that app running again; start: one start call, from reaching the engine to its answer; loop: event-loop delay in ms meanwhile)',
    );
  } finally {
    const left = await engine.list({ [LABELS.owner]: instance });
    await Promise.all(left.map((container) => engine.remove(container.id)));
    await Promise.all(kills.splice(0));
    await rm(root, { recursive: true, force: true });
  }
}
