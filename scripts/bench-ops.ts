/**
 * Numbers for the operations side (printed, never asserted): the intent journal's append cost
 * with fsync, how long a transition takes to reach an SSE client of the local API, what
 * `GET /v1/status` costs next to its baselines, and the built `podwarden status` beside
 * `podman ps` (wall and peak memory of the whole process), and an update's data snapshot of
 * 1 GiB beside `cp -a` (scripts/bench-snapshot.ts), and an update's downtime on real podman
 * beside a plain stop → pull → start (scripts/bench-update-downtime.ts, run it under the
 * engine-tests lock). `npm run bench:ops` builds first;
 * `BENCH_ONLY=cli` (or `snapshot`, `update`) runs that one alone, `BENCH_OTHER_CLI=<main.js>` adds another build.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApiClient } from '../src/api/client.js';
import { createApiServer } from '../src/api/server.js';
import { sampleRegistry, sampleImageRef } from '../src/engine/simulator/simulator-images.js';
import { createSimulatedEngine } from '../src/engine/simulator/simulator.js';
import { createJournal } from '../src/journal/journal.js';
import { silentLogger } from '../src/log.js';
import { createOrchestrator, type AppStatus } from '../src/orchestrator.js';
import type { Transition } from '../src/streams/transitions.js';
import { stringify } from 'yaml';
import { snapshotCost } from './bench-snapshot.js';
import { updateDowntime } from './bench-update-downtime.js';

function percentiles(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const pick = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(2);
  return `p50 ${pick(0.5)} ms, p90 ${pick(0.9)} ms, p99 ${pick(0.99)} ms (n=${sorted.length})`;
}

async function journalAppends(dirBase: string): Promise<void> {
  const dir = await mkdtemp(join(dirBase, 'podwarden-bench-journal-'));
  const journal = createJournal({ dir, logger: silentLogger() });
  await journal.open();
  const samples: number[] = [];
  for (let i = 0; i < 1000; i++) {
    const begun = performance.now();
    await journal.append({
      type: 'intent',
      at: Date.now(),
      appId: 'web',
      step: 'start',
      containerName: 'podwarden-web',
      containerId: 'f'.repeat(64),
      cause: {
        reason: 'exited with code 137',
        trigger: 'engine event die (exit code 137) at 2026-11-24T12:00:00.000Z',
      },
    });
    samples.push(performance.now() - begun);
  }
  await journal.close();
  await rm(dir, { recursive: true, force: true });
  console.log(`journal append + fdatasync (${dirBase}): ${percentiles(samples)}`);
}

const REGISTRY = '127.0.0.1:5000';

/** podwarden on the simulated engine behind its real API server, with `appIds` installed and running. */
async function simulatedDaemon(appIds: string[]) {
  const root = await mkdtemp(join(tmpdir(), 'podwarden-bench-ops-'));
  await mkdir(join(root, 'catalog'));
  for (const id of appIds) {
    const manifest = { app: { id, name: id, version: '1', container: { image: sampleImageRef('httpd', REGISTRY) } } };
    await writeFile(join(root, 'catalog', `${id}.yml`), stringify(manifest));
  }
  const engine = createSimulatedEngine({ registry: sampleRegistry(REGISTRY) });
  const orchestrator = createOrchestrator({
    engine,
    catalogDir: join(root, 'catalog'),
    stateDir: join(root, 'state'),
    logger: silentLogger(),
    intervalMs: 600_000,
    insecureRegistries: [REGISTRY],
    // Every kill is restarted at once, and the budget outlasts the 100 kills of sseLatency (the
    // default one sends the app to `failed` after 10, and the bench would wait forever).
    backoff: { initialMs: 0, maxMs: 0, budget: { restarts: 1_000, windowMs: 60 * 60_000 } },
  });
  const socketPath = join(root, 'api.sock');
  const server = createApiServer(orchestrator, { socketPath, logger: silentLogger() });
  await server.listen();
  await orchestrator.start();
  return {
    engine,
    orchestrator,
    socketPath,
    /** Installs every app and resolves once all of them run. */
    async installAll(): Promise<void> {
      const running = new Set<string>();
      const allRunning = new Promise<void>((resolve) => {
        const subscription = orchestrator.transitions$.subscribe((transition) => {
          if (transition.to === 'running') running.add(transition.appId);
          if (running.size === appIds.length) {
            subscription.unsubscribe();
            resolve();
          }
        });
      });
      for (const id of appIds) await orchestrator.install(id);
      await allRunning;
    },
    async stop(): Promise<void> {
      await server.close();
      await orchestrator.stop();
      await rm(root, { recursive: true, force: true });
    },
  };
}

async function sseLatency(): Promise<void> {
  const daemon = await simulatedDaemon(['web']);
  const samples: number[] = [];
  let runningSeen: () => void = () => undefined;
  let failed: (error: Error) => void = () => undefined;
  const stream = createApiClient({ socketPath: daemon.socketPath }).stream('/v1/events', (event, data) => {
    if (event !== 'transition') return;
    const transition = data as Transition;
    samples.push(Date.now() - transition.at);
    if (transition.to === 'running') runningSeen();
    if (transition.to === 'failed') failed(new Error(`web failed, the bench cannot go on: ${transition.failure}`));
  });
  await stream.ready;
  const running = () =>
    new Promise<void>((resolve, reject) => {
      runningSeen = resolve;
      failed = reject;
    });
  let next = running();
  await daemon.orchestrator.install('web');
  await next;
  for (let i = 0; i < 100; i++) {
    next = running();
    daemon.engine.control.kill('podwarden-web');
    await next;
  }
  stream.close();
  await daemon.stop();
  console.log(`transition → SSE client over the unix socket (Date.now resolution): ${percentiles(samples)}`);
}

/**
 * `GET /v1/status` against its baselines in the same run, taken in turn so that they share
 * the machine's load: `status()` called in the process (the rows alone) and `GET /healthz` over
 * the same socket (the HTTP round trip alone, with the smallest answer the API has).
 */
async function statusLatency(apps: number): Promise<void> {
  const daemon = await simulatedDaemon(Array.from({ length: apps }, (_, i) => `app${i}`));
  await daemon.installAll();
  const client = createApiClient({ socketPath: daemon.socketPath });
  const timed = async (samples: number[], call: () => unknown) => {
    const begun = performance.now();
    await call();
    samples.push(performance.now() - begun);
  };
  const rows: number[] = [];
  const healthz: number[] = [];
  const status: number[] = [];
  const WARM_UP = 20;
  for (let i = 0; i < WARM_UP + 500; i++) {
    const counted = i >= WARM_UP;
    await timed(counted ? rows : [], () => daemon.orchestrator.status());
    await timed(counted ? healthz : [], () => client.raw('GET', '/healthz'));
    await timed(counted ? status : [], () => client.get<{ apps: AppStatus[] }>('/v1/status'));
  }
  await daemon.stop();
  const appCount = `${apps} app${apps === 1 ? '' : 's'}`;
  console.log(`status() in the process, ${appCount} (baseline): ${percentiles(rows)}`);
  console.log(`GET /healthz over the unix socket (baseline): ${percentiles(healthz)}`);
  console.log(`GET /v1/status over the unix socket, ${appCount}: ${percentiles(status)}`);
}

interface ProcessCost {
  wallMs: number;
  maxRssKiB?: number;
}

const GNU_TIME = '/usr/bin/time';

/**
 * One run of `command` to its end: wall time as the caller sees it, and the peak RSS (GNU
 * time's %M, when it is installed: Node cannot read a child's rusage).
 */
function processCost(command: string[]): Promise<ProcessCost> {
  const timed = existsSync(GNU_TIME);
  const argv = timed ? [GNU_TIME, '-f', 'maxrss=%M', ...command] : command;
  return new Promise((resolve, reject) => {
    const begun = performance.now();
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.once('error', reject);
    child.once('exit', (code) => {
      const wallMs = performance.now() - begun;
      if (code !== 0) {
        reject(new Error(`${command.join(' ')} exited ${code}: ${stderr.trim()}`));
        return;
      }
      const rss = /maxrss=(\d+)/.exec(stderr)?.[1];
      resolve({ wallMs, ...(rss !== undefined ? { maxRssKiB: Number(rss) } : {}) });
    });
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * The built CLI's `status` (a simulated daemon with 4 apps behind the real API server) beside
 * `podman ps` and a bare `node -e ''`, taken in turn so that the three share the machine's load.
 */
async function cliStatusBesidePodmanPs(): Promise<void> {
  const cli = 'dist/src/cli/main.js';
  if (!existsSync(cli)) throw new Error(`${cli} is missing: \`npm run build\` first (npm run bench:ops does)`);
  const daemon = await simulatedDaemon(['bitcoind', 'electrs', 'btcpay', 'mempool']);
  await daemon.installAll();
  const podman = ['podman', 'ps'];
  const hasPodman = await processCost(podman).then(
    () => true,
    () => false,
  );
  const runs: Record<string, { command: string[]; costs: ProcessCost[] }> = {
    'podwarden status (built CLI)': {
      command: [process.execPath, cli, 'status', '--socket', daemon.socketPath],
      costs: [],
    },
    // Another build beside this one (e.g. main's, before a change): BENCH_OTHER_CLI=path/to/main.js.
    ...(process.env.BENCH_OTHER_CLI
      ? {
          [`podwarden status (${process.env.BENCH_OTHER_CLI})`]: {
            command: [process.execPath, process.env.BENCH_OTHER_CLI, 'status', '--socket', daemon.socketPath],
            costs: [],
          },
        }
      : {}),
    ...(hasPodman ? { 'podman ps': { command: podman, costs: [] } } : {}),
    "node -e '' (Node's own start)": { command: [process.execPath, '-e', ''], costs: [] },
  };
  const WARM_UP = 3;
  const RUNS = 30;
  for (let i = 0; i < WARM_UP + RUNS; i++) {
    for (const run of Object.values(runs)) {
      const cost = await processCost(run.command);
      if (i >= WARM_UP) run.costs.push(cost);
    }
  }
  await daemon.stop();
  if (!hasPodman) console.log('podman ps: not measured (no podman on this machine)');
  if (!existsSync(GNU_TIME)) console.log(`peak memory: not measured (${GNU_TIME} missing: apt-get install time)`);
  for (const [name, run] of Object.entries(runs)) {
    const walls = run.costs.map((cost) => cost.wallMs);
    const rss = run.costs.flatMap((cost) => (cost.maxRssKiB === undefined ? [] : [cost.maxRssKiB]));
    const memory =
      rss.length === 0
        ? ''
        : `; max RSS median ${(median(rss) / 1024).toFixed(1)} MiB, max ${(Math.max(...rss) / 1024).toFixed(1)} MiB`;
    console.log(
      `${name}: wall median ${median(walls).toFixed(0)} ms, p90 ${[...walls].sort((a, b) => a - b)[Math.floor(walls.length * 0.9)]!.toFixed(0)} ms${memory} (n=${walls.length})`,
    );
  }
}

const only = process.env.BENCH_ONLY;
if (only === undefined || only === 'ops') {
  await journalAppends(tmpdir());
  await journalAppends('/var/tmp');
  await sseLatency();
  await statusLatency(1);
  await statusLatency(20);
}
if (only === undefined || only === 'cli') await cliStatusBesidePodmanPs();
if (only === undefined || only === 'snapshot') await snapshotCost();
if (only === undefined || only === 'update') await updateDowntime();
