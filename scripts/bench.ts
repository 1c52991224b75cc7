/**
 * `npm run bench`: numbers, never assertions. Each measurement is printed beside a baseline
 * taken in the same run, so a slow machine shows up in both columns.
 *
 * 1. kill → restart on every engine lane that is up (podman 4.3 here; podman 5 under systemd,
 *    rootful and rootless; Docker): from the API kill to podwarden's start call, beside the
 *    lane's own kill → `die` event latency (what no supervisor fed by events can beat).
 * 2. The crowd restart on this machine's podman (scripts/bench-crowd.ts): 50 apps killed at
 *    once, bounded vs unbounded engine work, time until all run again and event-loop delay.
 * 3. A quiet pass over many apps on the simulator, beside one bare list call of as many
 *    containers, plus heap per app machine.
 * 4. Event-loop delay while a 200-file catalog with an oversized file reloads, beside the idle
 *    loop and the same reloads parsed on the event loop (scripts/bench-catalog.ts).
 *
 * 5. podwarden at rest: the built daemon with the sample catalog on real podman, resident memory
 *    and CPU over BENCH_REST_SECONDS (default 300), beside a bare node process (scripts/bench-at-rest.ts).
 *
 * BENCH_ONLY=kill|crowd|quiet|catalog|rest runs one of them.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { filter, firstValueFrom, tap } from 'rxjs';
import { stringify } from 'yaml';
import { createDockerodeEngine } from '../src/engine/dockerode/dockerode-engine.js';
import { ownerSelector } from '../src/domain/labels.js';
import type { EnginePort } from '../src/engine/port.js';
import { sampleRegistry } from '../src/engine/simulator/simulator-images.js';
import { createSimulatedEngine } from '../src/engine/simulator/simulator.js';
import { silentLogger } from '../src/log.js';
import { createOrchestrator, type Orchestrator } from '../src/orchestrator.js';
import { lane as laneOf, type Lane, type LaneId } from '../test/lanes/support/lane.js';
import { outside } from '../test/lanes/support/outside.js';
import { pingSocket } from '../test/support/engine-ping.js';
import { catalogReload } from './bench-catalog.js';
import { crowdRestart } from './bench-crowd.js';
import { benchAtRest } from './bench-at-rest.js';

const REGISTRY = process.env.PODWARDEN_REGISTRY ?? '127.0.0.1:5000';
const LANES = (process.env.BENCH_LANES ?? 'podman,systemd-rootful,systemd-rootless,docker').split(',') as LaneId[];
const KILLS = Number(process.env.BENCH_KILLS ?? 25);
const QUIET_APPS = Number(process.env.BENCH_APPS ?? 1000);
const QUIET_WARMUP = 20;
const QUIET_PASSES = 200;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)]!;
}

function row(name: string, values: number[], unit = 'ms'): string {
  const fmt = (n: number) => n.toFixed(1).padStart(8);
  return `${name.padEnd(44)}${fmt(percentile(values, 50))}${fmt(percentile(values, 90))}${fmt(percentile(values, 99))}${fmt(Math.max(...values))}  ${unit} (n=${values.length})`;
}

function header(title: string): void {
  console.log(
    `\n${title}\n${''.padEnd(44)}${'p50'.padStart(8)}${'p90'.padStart(8)}${'p99'.padStart(8)}${'max'.padStart(8)}`,
  );
}

async function writeCatalog(dir: string, apps: Record<string, string>): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [id, image] of Object.entries(apps)) {
    await writeFile(join(dir, `${id}.yml`), stringify({ app: { id, name: id, version: '1', container: { image } } }));
  }
}

function waitRunning(orchestrator: Orchestrator, appId: string): Promise<unknown> {
  const now = orchestrator.status().find((entry) => entry.appId === appId);
  if (now?.state === 'running') return Promise.resolve();
  return firstValueFrom(orchestrator.transitions$.pipe(filter((t) => t.appId === appId && t.to === 'running')));
}

async function killToRestart(lane: Lane): Promise<void> {
  const tag = randomBytes(3).toString('hex');
  const instance = `bench-${tag}`;
  const root = await mkdtemp(join(tmpdir(), 'podwarden-bench-'));
  const kill = outside(lane).kill;
  const engine = createDockerodeEngine({ socketPath: lane.socketPath });
  const startCalls: Array<{ id: string; at: number }> = [];
  const seenDies: Array<{ id: string; at: number }> = [];
  const instrumented: EnginePort = {
    ...bindAll(engine),
    start: (id) => {
      startCalls.push({ id, at: performance.now() });
      return engine.start(id);
    },
    // podwarden's own event stream: each stream tails podman's events file on its own
    // ~250 ms cycle, so its die may arrive later than the baseline stream's.
    events: (labels) =>
      engine.events(labels).pipe(
        tap((event) => {
          if (event.kind === 'container' && event.action === 'die')
            seenDies.push({ id: event.containerId, at: performance.now() });
        }),
      ),
  };
  const dies: Array<{ id: string; at: number }> = [];
  const baseline = engine.events(ownerSelector(instance)).subscribe((event) => {
    if (event.kind === 'container' && event.action === 'die')
      dies.push({ id: event.containerId, at: performance.now() });
  });

  await writeCatalog(join(root, 'catalog'), { web: `${lane.registry}/podwarden/httpd:1` });
  const orchestrator = createOrchestrator({
    engine: instrumented,
    catalogDir: join(root, 'catalog'),
    stateDir: join(root, 'state'),
    instance,
    namePrefix: `bench${tag}-`,
    insecureRegistries: [lane.registry],
    intervalMs: 10 * 60_000,
    // Reset the crash count quickly so every kill gets the immediate first restart, and give
    // the restart budget room for every kill of the run.
    backoff: { resetAfterMs: 300, budget: { restarts: 10 * KILLS, windowMs: 30 * 60_000 } },
    logger: silentLogger(),
  });
  await orchestrator.start();
  await orchestrator.install('web');
  await waitRunning(orchestrator, 'web');

  const kills: Array<Promise<unknown>> = [];
  const restart: number[] = [];
  const engineDie: number[] = [];
  const podwardenDie: number[] = [];
  const overhead: number[] = [];
  for (let i = 0; i < KILLS; i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 600));
    const id = orchestrator.status().find((entry) => entry.appId === 'web')!.containerId!;
    const startsBefore = startCalls.length;
    const diesBefore = dies.length;
    const seenBefore = seenDies.length;
    const killedAt = performance.now();
    // Docker's kill answers once the container is down, which podwarden may undo first:
    // keep the answer, do not wait for it.
    kills.push(kill(id).catch(() => undefined));
    while (startCalls.length === startsBefore || dies.length === diesBefore || seenDies.length === seenBefore) {
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    const started = startCalls[startsBefore]!.at;
    restart.push(started - killedAt);
    engineDie.push(dies[diesBefore]!.at - killedAt);
    podwardenDie.push(seenDies[seenBefore]!.at - killedAt);
    overhead.push(started - seenDies[seenBefore]!.at);
    await waitRunning(orchestrator, 'web');
  }
  baseline.unsubscribe();
  await orchestrator.stop();
  await engine.remove(`bench${tag}-web`);
  await Promise.all(kills);
  await rm(root, { recursive: true, force: true });

  header(`kill → restart on ${lane.title} (${KILLS} kills of a running httpd container)`);
  console.log(row('baseline: API kill → die on a bare stream', engineDie));
  console.log(row("API kill → die on podwarden's stream", podwardenDie));
  console.log(row('podwarden: API kill → start call', restart));
  console.log(row('podwarden itself: its die event → start call', overhead));
}

function bindAll(engine: EnginePort): EnginePort {
  return {
    ping: () => engine.ping(),
    imageExists: (ref) => engine.imageExists(ref),
    containerImage: (idOrName) => engine.containerImage(idOrName),
    pull: (ref, options) => engine.pull(ref, options),
    build: (spec, options) => engine.build(spec, options),
    storageSpace: () => engine.storageSpace(),
    create: (spec) => engine.create(spec),
    start: (id) => engine.start(id),
    stop: (id, options) => engine.stop(id, options),
    remove: (id) => engine.remove(id),
    inspect: (id) => engine.inspect(id),
    exec: (id, command, options) => engine.exec(id, command, options),
    list: (labels) => engine.list(labels),
    events: (labels) => engine.events(labels),
    logs: (id, options) => engine.logs(id, options),
  };
}

async function quietPass(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'podwarden-bench-'));
  const image = `${REGISTRY}/podwarden/sleeper:1`;
  const apps = Object.fromEntries(Array.from({ length: QUIET_APPS }, (_, i) => [`app${i}`, image]));
  await writeCatalog(join(root, 'catalog'), apps);
  const engine = createSimulatedEngine({ registry: sampleRegistry(REGISTRY) });
  const orchestrator = createOrchestrator({
    engine,
    catalogDir: join(root, 'catalog'),
    stateDir: join(root, 'state'),
    insecureRegistries: [REGISTRY],
    intervalMs: 60 * 60_000,
    logger: silentLogger(),
  });
  const passes: Array<{ ms: number; acted: number }> = [];
  orchestrator.passes$.subscribe((report) =>
    passes.push({
      ms: report.finishedAt - report.startedAt,
      acted: report.entries.filter((e) => e.action !== 'none').length,
    }),
  );
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  await orchestrator.start();
  for (const appId of Object.keys(apps)) await orchestrator.install(appId);
  while (orchestrator.status().some((entry) => entry.state !== 'running')) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  global.gc?.();
  const heapPerApp = (process.memoryUsage().heapUsed - heapBefore) / QUIET_APPS;

  // Quiet passes: everything is running; each pass is one list call and no action.
  // CPU time beside wall time: on a busy machine the wall times wander, the ratio of CPU less.
  // A few passes first, so both sides are measured after the JIT warmed up.
  for (let i = 0; i < QUIET_WARMUP; i += 1) await orchestrator.reconcileNow();
  const durations: number[] = [];
  const listOnly: number[] = [];
  let passCpu = 0;
  let listCpu = 0;
  const cpuMs = (since: NodeJS.CpuUsage) => {
    const used = process.cpuUsage(since);
    return (used.user + used.system) / 1000;
  };
  for (let i = 0; i < QUIET_PASSES; i += 1) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await orchestrator.reconcileNow();
    durations.push(performance.now() - t0);
    passCpu += cpuMs(c0);
    const c1 = process.cpuUsage();
    const t1 = performance.now();
    await engine.list(ownerSelector('podwarden'));
    listOnly.push(performance.now() - t1);
    listCpu += cpuMs(c1);
  }
  const quiet = passes.slice(-QUIET_PASSES);
  await orchestrator.stop();
  await rm(root, { recursive: true, force: true });

  header(`quiet pass over ${QUIET_APPS} running apps (simulated engine)`);
  console.log(row('baseline: one list call (simulator)', listOnly));
  console.log(row('podwarden: whole quiet pass', durations));
  console.log(
    `CPU per pass ${(passCpu / QUIET_PASSES).toFixed(2)} ms, per list call ${(listCpu / QUIET_PASSES).toFixed(2)} ms (${(passCpu / listCpu).toFixed(1)}×)`,
  );
  console.log(`actions taken in quiet passes: ${quiet.reduce((sum, pass) => sum + pass.acted, 0)}`);
  console.log(
    `heap per app machine: ${(heapPerApp / 1024).toFixed(1)} KiB${global.gc ? '' : ' (run with --expose-gc for a steadier number)'}`,
  );
}

const only = process.env.BENCH_ONLY;
for (const id of only && only !== 'kill' ? [] : LANES) {
  let lane: Lane;
  try {
    lane = laneOf(id);
    await pingSocket(lane.socketPath);
  } catch (error) {
    console.log(
      `\nkill → restart on lane ${id}: not up (${error instanceof Error ? error.message : String(error)}); bench.sh starts every lane`,
    );
    continue;
  }
  await killToRestart(lane);
}
if (!only || only === 'crowd') await crowdRestart();
if (!only || only === 'quiet') await quietPass();
if (!only || only === 'catalog') await catalogReload();
if (!only || only === 'rest') await benchAtRest();
process.exit(0);
