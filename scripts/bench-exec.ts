/**
 * CPU of one exec probe in podwarden's process, ways of making the same three engine calls
 * (exec create, start attached, inspect for the exit code) side by side in one run, so load
 * from other work hits them alike: rounds of BENCH_EXEC_PER probes, the ways taking turns,
 * BENCH_EXEC_ROUNDS rounds. Its own httpd container (a unique name, removed at the end) on
 * BENCH_EXEC_SOCKET (default podman's rootful socket), the sample catalog's health command.
 * Numbers, never assertions: `npx tsx scripts/bench-exec.ts` (under the engine lock).
 */
import { Agent, request, type IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { inspect } from 'node:util';
import Docker from 'dockerode';
import { createDockerodeEngine } from '../src/engine/dockerode/dockerode-engine.js';

const SOCKET = process.env.BENCH_EXEC_SOCKET ?? '/run/podman/podman.sock';
const IMAGE = process.env.BENCH_EXEC_IMAGE ?? '127.0.0.1:5000/podwarden/httpd:1';
const ROUNDS = Number(process.env.BENCH_EXEC_ROUNDS ?? 6);
const PER = Number(process.env.BENCH_EXEC_PER ?? 50);
const COMMAND = ['/bin/sh', '-c', 'timeout 2 wget -q -O /dev/null http://127.0.0.1:8080/health || exit 1'];

/** A dockerode client as the adapter builds one (its agent formats as one line: see the adapter). */
function dockerWith(agent: Agent): Docker {
  Object.defineProperty(agent, inspect.custom, { value: () => 'Agent' });
  return new Docker({ socketPath: SOCKET, agent } as Docker.DockerOptions);
}

async function exitCodeOf(exec: Docker.Exec): Promise<number> {
  for (;;) {
    const info = await exec.inspect();
    if (!info.Running && typeof info.ExitCode === 'number') return info.ExitCode;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Through dockerode, attached by an HTTP upgrade (hijack) or by reading the response body. */
async function viaDockerode(docker: Docker, id: string, hijack: boolean): Promise<number> {
  const container = docker.getContainer(id);
  const exec = await container.exec({ Cmd: COMMAND, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack, stdin: false });
  const sink = new PassThrough();
  sink.resume();
  container.modem.demuxStream(stream, sink, sink);
  await new Promise((resolve) => {
    stream.once('end', resolve);
    stream.once('close', resolve);
  });
  return exitCodeOf(exec);
}

/** The floor: the same three requests with node's http alone, no docker-modem. */
async function viaNodeHttp(id: string, agent: Agent): Promise<number> {
  const call = (method: string, path: string, body?: unknown) =>
    new Promise<Buffer>((resolve, reject) => {
      const data = body === undefined ? undefined : JSON.stringify(body);
      const headers =
        data === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) };
      const req = request({ socketPath: SOCKET, method, path, agent, headers }, (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve(Buffer.concat(chunks)));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(data);
    });
  const created = JSON.parse(
    (await call('POST', `/containers/${id}/exec`, { Cmd: COMMAND, AttachStdout: true, AttachStderr: true })).toString(),
  ) as { Id: string };
  await call('POST', `/exec/${created.Id}/start`, { Detach: false, Tty: false });
  for (;;) {
    const info = JSON.parse((await call('GET', `/exec/${created.Id}/json`)).toString()) as {
      Running: boolean;
      ExitCode: number | null;
    };
    if (!info.Running && typeof info.ExitCode === 'number') return info.ExitCode;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function cpuMicros(): number {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}

async function main(): Promise<void> {
  const setup = dockerWith(new Agent({ keepAlive: false }));
  const name = `podwarden-bench-exec-${process.pid}`;
  const container = await setup.createContainer({ name, Image: IMAGE });
  try {
    await container.start();
    const engine = createDockerodeEngine({ socketPath: SOCKET });
    const oneShot = dockerWith(new Agent({ keepAlive: false }));
    const pooled = dockerWith(new Agent({ keepAlive: true, maxSockets: 4 }));
    const plainAgent = new Agent({ keepAlive: false });
    const ways: Record<string, () => Promise<number>> = {
      'adapter (engine.exec)': async () => (await engine.exec(container.id, COMMAND, { timeoutMs: 10_000 })).exitCode,
      'dockerode, hijack': () => viaDockerode(oneShot, container.id, true),
      'dockerode, no hijack': () => viaDockerode(oneShot, container.id, false),
      'dockerode, no hijack, keep-alive': () => viaDockerode(pooled, container.id, false),
      'node http alone': () => viaNodeHttp(container.id, plainAgent),
    };
    // Until httpd serves (exit 0), then a few of each to warm up.
    while ((await ways['dockerode, hijack']!()) !== 0) await new Promise((resolve) => setTimeout(resolve, 200));
    for (const way of Object.values(ways)) for (let i = 0; i < 5; i += 1) await way();
    const totals = Object.fromEntries(Object.keys(ways).map((key) => [key, { micros: 0, probes: 0, failed: 0 }]));
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const [key, way] of Object.entries(ways)) {
        const total = totals[key]!;
        const before = cpuMicros();
        for (let i = 0; i < PER; i += 1) if ((await way()) !== 0) total.failed += 1;
        total.micros += cpuMicros() - before;
        total.probes += PER;
      }
    }
    for (const [key, total] of Object.entries(totals)) {
      const perProbe = (total.micros / 1000 / total.probes).toFixed(2);
      console.log(
        `${key.padEnd(34)} ${perProbe} ms CPU per probe (${total.probes} probes, ${total.failed} not exit 0)`,
      );
    }
  } finally {
    await container.remove({ force: true });
  }
}

await main();
