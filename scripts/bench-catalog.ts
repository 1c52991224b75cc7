/**
 * Event-loop delay while the catalog reloads (part of `npm run bench`; runs alone with
 * `node --import tsx scripts/bench-catalog.ts`). A 200-file catalog holding one file far over
 * the size cap (50 MB) and one just under it (the costliest file a catalog may hold) is
 * reloaded as SIGHUP reloads it, while perf_hooks watches the event loop. Beside it, in the
 * same run: the loop of the same process left idle (the machine's own noise), and the same
 * reloads with manifests parsed on the event loop (what the parser thread saves the daemon).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { sampleRegistry } from '../src/engine/simulator/simulator-images.js';
import { createSimulatedEngine } from '../src/engine/simulator/simulator.js';
import { silentLogger } from '../src/log.js';
import { inlineManifestParser } from '../src/manifest/manifest-parser.js';
import { createOrchestrator } from '../src/orchestrator.js';

const REGISTRY = '127.0.0.1:5000';
const FILES = 200;
const RELOADS = Number(process.env.BENCH_RELOADS ?? 5);
const RESOLUTION_MS = 1;

/** 198 ordinary manifests, the costliest one the size cap lets through, one of 50 MB. */
async function writeCatalog(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (let i = 0; i < FILES - 2; i += 1) {
    const app = {
      id: `app${i}`,
      name: `App ${i}`,
      version: '1.0.0',
      description: 'An ordinary app of the bench catalog.',
      container: {
        image: `${REGISTRY}/podwarden/httpd:1`,
        env: Object.fromEntries(Array.from({ length: 8 }, (_, k) => [`SETTING_${k}`, `value-${i}-${k}`])),
        ports: [`127.0.0.1:${20_000 + i}:8080`],
        volumes: ['./data:/data'],
      },
    };
    await writeFile(join(dir, `app${i}.yml`), stringify({ app }));
  }
  // Small keys cost the parser most per byte: ~12 000 of them fill the 256 KiB cap (the file is
  // refused for its env count, after being parsed whole).
  let costliest = `app:\n  id: costliest\n  name: Costliest\n  version: "1"\n  container:\n    image: ${REGISTRY}/podwarden/httpd:1\n    env:\n`;
  for (let k = 0; costliest.length < 256 * 1024 - 32; k += 1) costliest += `      K${k}: v${k}\n`;
  await writeFile(join(dir, 'costliest.yml'), costliest);
  await writeFile(join(dir, 'oversized.yml'), `# ${'x'.repeat(50 * 1024 * 1024)}\n`);
}

interface Delay {
  p50: number;
  p99: number;
  max: number;
  reloadMs: number[];
}

/** Event-loop delay (ms) while `work` runs `RELOADS` times. */
async function watched(work: () => Promise<unknown>): Promise<Delay> {
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  const reloadMs: number[] = [];
  histogram.enable();
  for (let i = 0; i < RELOADS; i += 1) {
    const started = performance.now();
    await work();
    reloadMs.push(performance.now() - started);
  }
  histogram.disable();
  // The histogram records each timer interval; what is past the interval is the loop's delay.
  const delay = (ns: number) => Math.max(0, ns / 1e6 - RESOLUTION_MS);
  return {
    p50: delay(histogram.percentile(50)),
    p99: delay(histogram.percentile(99)),
    max: delay(histogram.max),
    reloadMs,
  };
}

function line(name: string, delay: Delay): string {
  const fmt = (n: number) => n.toFixed(1).padStart(9);
  const reloads =
    delay.reloadMs.length > 0
      ? `   reload p50 ${[...delay.reloadMs].sort((a, b) => a - b)[Math.floor(delay.reloadMs.length / 2)]!.toFixed(0)} ms`
      : '';
  return `${name.padEnd(56)}${fmt(delay.p50)}${fmt(delay.p99)}${fmt(delay.max)}  ms${reloads}`;
}

export async function catalogReload(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'podwarden-bench-catalog-'));
  try {
    await writeCatalog(join(root, 'catalog'));
    const boot = async (inline: boolean) => {
      const orchestrator = createOrchestrator({
        engine: createSimulatedEngine({ registry: sampleRegistry(REGISTRY) }),
        catalogDir: join(root, 'catalog'),
        stateDir: join(root, inline ? 'state-inline' : 'state'),
        insecureRegistries: [REGISTRY],
        intervalMs: 60 * 60_000,
        logger: silentLogger(),
        ...(inline ? { manifestParser: inlineManifestParser } : {}),
      });
      await orchestrator.start();
      return orchestrator;
    };
    const threaded = await boot(false);
    const inline = await boot(true);
    let refused = 0;
    const reload = async (orchestrator: typeof threaded) => {
      refused = (await orchestrator.reloadCatalog()).length;
    };
    // The reload once before measuring, so both paths have their code compiled and the parser thread is up.
    await reload(threaded);
    await reload(inline);

    const podwarden = await watched(() => reload(threaded));
    const idleFor = podwarden.reloadMs.reduce((sum, ms) => sum + ms, 0);
    const idle = await watched(() => new Promise((resolve) => setTimeout(resolve, idleFor / RELOADS)));
    const onLoop = await watched(() => reload(inline));
    await threaded.stop();
    await inline.stop();

    console.log(
      `\nevent-loop delay while a ${FILES}-file catalog reloads (one file of 50 MB, one of 256 KiB), ${RELOADS} reloads each; ${refused} files refused; load average ${loadavg()[0]!.toFixed(1)}`,
    );
    console.log(`${''.padEnd(56)}${'p50'.padStart(9)}${'p99'.padStart(9)}${'max'.padStart(9)}`);
    console.log(line('baseline: the same process, idle', { ...idle, reloadMs: [] }));
    console.log(line('baseline: the same reloads, parsed on the event loop', onLoop));
    console.log(line('podwarden: the reloads, parsed on the parser thread', podwarden));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await catalogReload();
  process.exit(0);
}
