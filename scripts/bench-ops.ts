/**
 * Numbers for the operations side (printed, never asserted): the intent journal's append cost
 * with fsync, and how long a transition takes to reach an SSE client of the local API.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApiClient } from '../src/api/client.js';
import { createApiServer } from '../src/api/server.js';
import { sampleRegistry, sampleImageRef } from '../src/engine/simulator/simulator-images.js';
import { createSimulatedEngine } from '../src/engine/simulator/simulator.js';
import { createJournal } from '../src/journal/journal.js';
import { silentLogger } from '../src/log.js';
import { createOrchestrator } from '../src/orchestrator.js';
import type { Transition } from '../src/streams/transitions.js';
import { writeFile, mkdir } from 'node:fs/promises';
import { stringify } from 'yaml';

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
      cause: { reason: 'exited with code 137', trigger: 'engine event die (exit code 137) at 2026-11-24T12:00:00.000Z' },
    });
    samples.push(performance.now() - begun);
  }
  await journal.close();
  await rm(dir, { recursive: true, force: true });
  console.log(`journal append + fdatasync (${dirBase}): ${percentiles(samples)}`);
}

async function sseLatency(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'podwarden-bench-sse-'));
  await mkdir(join(root, 'catalog'));
  await writeFile(join(root, 'catalog', 'web.yml'), stringify({ app: { id: 'web', name: 'web', version: '1', container: { image: sampleImageRef('httpd', '127.0.0.1:5000') } } }));
  const engine = createSimulatedEngine({ registry: sampleRegistry('127.0.0.1:5000') });
  const orchestrator = createOrchestrator({
    engine, catalogDir: join(root, 'catalog'), stateDir: join(root, 'state'), logger: silentLogger(), intervalMs: 600_000,
    insecureRegistries: ['127.0.0.1:5000'],
    backoff: { initialMs: 0, maxMs: 0 },
  });
  const socketPath = join(root, 'api.sock');
  const server = createApiServer(orchestrator, { socketPath, logger: silentLogger() });
  await server.listen();
  await orchestrator.start();
  const samples: number[] = [];
  let runningSeen: () => void = () => undefined;
  const stream = createApiClient({ socketPath }).stream('/v1/events', (event, data) => {
    if (event !== 'transition') return;
    const transition = data as Transition;
    samples.push(Date.now() - transition.at);
    if (transition.to === "running") runningSeen();
  });
  await stream.ready;
  const running = () => new Promise<void>((resolve) => (runningSeen = resolve));
  let next = running();
  await orchestrator.install('web');
  await next;
  for (let i = 0; i < 100; i++) {
    next = running();
    engine.control.kill('podwarden-web');
    await next;
  }
  stream.close();
  await server.close();
  await orchestrator.stop();
  await rm(root, { recursive: true, force: true });
  console.log(`transition → SSE client over the unix socket (Date.now resolution): ${percentiles(samples)}`);
}

await journalAppends(tmpdir());
await journalAppends("/var/tmp");
await sseLatency();
