/**
 * podwarden at rest, part of `npm run bench`: the built daemon (`dist/`, as a service runs it)
 * supervising the sample node (examples/catalog, its companions included) on real podman, once
 * every app runs, measured for BENCH_REST_SECONDS (default 300) beside a bare `node` process
 * that only keeps a timer, in the same window: resident memory and the share of one core.
 * Its own instance, container names and ports, so a demo on the same engine is left alone.
 * The daemon runs as the service unit runs it: its environment and node flags (SERVICE_ENVIRONMENT,
 * SERVICE_NODE_FLAGS; BENCH_REST_PLAIN=1 leaves both out), plus any node flags in
 * BENCH_REST_NODE_FLAGS. BENCH_REST_INSTANCE and
 * BENCH_REST_PORT_DIGIT let two builds run side by side in one window (e.g. before and after a
 * change, each `BENCH_ONLY=rest` from its own checkout), under the same load.
 * Numbers, never assertions.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, mkdir, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { LABELS } from '../src/domain/labels.js';
import { SERVICE_ENVIRONMENT, SERVICE_NODE_FLAGS } from '../src/service/service-unit.js';

const SOCKET = process.env.PODWARDEN_SOCKET ?? '/run/podman/podman.sock';
const SECONDS = Number(process.env.BENCH_REST_SECONDS ?? 300);
const INSTANCE = process.env.BENCH_REST_INSTANCE ?? 'bench-at-rest';
/** Host ports 300N become 4P00N (P = this digit, default 3), clear of a demo's and of another bench's. */
const PORT_DIGIT = process.env.BENCH_REST_PORT_DIGIT ?? '3';
/** The daemon gets the environment and node flags of podwarden's service unit, unless BENCH_REST_PLAIN=1 (to compare). */
const PLAIN = process.env.BENCH_REST_PLAIN === '1';
const DAEMON_ENV = PLAIN ? process.env : { ...process.env, ...SERVICE_ENVIRONMENT };
/** More node flags for the daemon (e.g. to compare one a service unit might carry), space-separated. */
const DAEMON_NODE_FLAGS = [
  ...(PLAIN ? [] : SERVICE_NODE_FLAGS),
  ...(process.env.BENCH_REST_NODE_FLAGS ?? '').split(' ').filter(Boolean),
];
const TICKS_PER_SECOND = 100; // USER_HZ on Linux

interface Sample {
  cpuTicks: number;
  rssKiB: number;
}

async function sample(pid: number): Promise<Sample> {
  const stat = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
  // Fields after the command: state is [0], utime [11], stime [12] (man 5 proc).
  const cpuTicks = Number(stat[11]) + Number(stat[12]);
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return { cpuTicks, rssKiB };
}

function status(socketPath: string): Promise<{ apps: { appId: string; state: string }[] } | undefined> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/v1/status' }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => {
        try {
          resolve(JSON.parse(body) as { apps: { appId: string; state: string }[] });
        } catch {
          resolve(undefined);
        }
      });
    });
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

/** The sample catalog with its host ports moved (3001 → 43001), so a running demo keeps its own. */
async function sampleCatalog(into: string): Promise<void> {
  await mkdir(into, { recursive: true });
  for (const name of await readdir('examples/catalog')) {
    const text = await readFile(join('examples/catalog', name), 'utf8');
    await writeFile(join(into, name), text.replace(/(127\.0\.0\.1:|host: )300(\d)\b/g, `$14${PORT_DIGIT}00$2`));
  }
}

async function removeContainers(): Promise<void> {
  const docker = new Docker({ socketPath: SOCKET });
  const mine = await docker.listContainers({ all: true, filters: { label: [`${LABELS.owner}=${INSTANCE}`] } });
  await Promise.all(mine.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true })));
}

function stopProcess(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

export async function benchAtRest(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'podwarden-at-rest-'));
  const stateDir = join(dir, 'state');
  await sampleCatalog(join(dir, 'catalog'));
  await mkdir(join(stateDir, 'secrets'), { recursive: true, mode: 0o700 });
  await writeFile(join(stateDir, 'secrets', 'bitcoind.env'), 'RPC_USER=bench\nRPC_PASSWORD=bench-at-rest-only\n', {
    mode: 0o600,
  });
  await removeContainers();
  const daemon = spawn(
    process.execPath,
    [
      ...DAEMON_NODE_FLAGS,
      'dist/src/cli/main.js',
      'run',
      ...['--socket', SOCKET, '--catalog', join(dir, 'catalog'), '--state-dir', stateDir],
      ...['--instance', INSTANCE, '--name-prefix', `${INSTANCE}-`, '--insecure-registry', '127.0.0.1:5000'],
      ...['--install', 'bitcoind', 'electrs', 'btcpay', 'mempool', '--log-level', 'warn', '--log-format', 'json'],
    ],
    { stdio: ['ignore', 'ignore', 'inherit'], env: DAEMON_ENV },
  );
  const bare = spawn(process.execPath, ['-e', 'setInterval(() => {}, 30_000)'], { stdio: 'ignore' });
  try {
    const socketPath = join(stateDir, 'podwarden.sock');
    const began = Date.now();
    for (;;) {
      const answer = await status(socketPath);
      if (answer && answer.apps.length >= 4 && answer.apps.every((app) => app.state === 'running')) break;
      if (daemon.exitCode !== null) throw new Error(`the daemon exited (${daemon.exitCode}) before every app ran`);
      if (Date.now() - began > 180_000) throw new Error('not every sample app ran within 3 minutes');
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    // Let the start-up settle (first probes, a pass or two) before the window opens.
    await new Promise((resolve) => setTimeout(resolve, 35_000));
    const first = { daemon: await sample(daemon.pid!), bare: await sample(bare.pid!) };
    const rss = { daemon: [] as number[], bare: [] as number[] };
    for (let second = 0; second < SECONDS; second += 5) {
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      rss.daemon.push((await sample(daemon.pid!)).rssKiB);
      rss.bare.push((await sample(bare.pid!)).rssKiB);
    }
    const last = { daemon: await sample(daemon.pid!), bare: await sample(bare.pid!) };
    const cpu = (who: 'daemon' | 'bare') =>
      ((last[who].cpuTicks - first[who].cpuTicks) / TICKS_PER_SECOND / SECONDS) * 100;
    const mib = (values: number[]) => {
      const sorted = [...values].sort((a, b) => a - b);
      return `${(sorted[Math.floor(sorted.length / 2)]! / 1024).toFixed(1)} MiB median, ${(sorted.at(-1)! / 1024).toFixed(1)} MiB max`;
    };
    console.log(
      `\nat rest on real podman, ${SECONDS} s after every sample app ran (examples/catalog: 4 apps and their companions)`,
    );
    console.log(
      `  baseline: bare node (a timer only)  RSS ${mib(rss.bare)}, CPU ${cpu('bare').toFixed(2)} % of a core`,
    );
    console.log(
      `  podwarden daemon (dist/, ${PLAIN ? 'plain' : 'as a service'}${DAEMON_NODE_FLAGS.length ? `, ${DAEMON_NODE_FLAGS.join(' ')}` : ''})  RSS ${mib(rss.daemon)}, CPU ${cpu('daemon').toFixed(2)} % of a core`,
    );
  } finally {
    await Promise.all([stopProcess(daemon), stopProcess(bare)]);
    await removeContainers();
    await rm(dir, { recursive: true, force: true });
  }
}
