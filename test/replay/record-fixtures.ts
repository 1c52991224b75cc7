/**
 * Records the replay regression fixtures (test/replay/fixtures/*.ndjson) from real podman:
 *
 *   npx tsx test/replay/record-fixtures.ts [scenario...]
 *
 * Needs the engine and registry that scripts/setup-engine.sh starts (PODWARDEN_SOCKET and
 * PODWARDEN_REGISTRY point elsewhere). Each scenario runs podwarden wired as `podwarden run
 * --record` wires it, with its own owner label and name prefix, removes its containers after,
 * and is replayed twice at once: the fixture is written only if both replays agree with each
 * other and with the transitions the session observed live.
 */
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createDockerodeEngine } from '../../src/engine/dockerode/dockerode-engine.js';
import { LABELS } from '../../src/domain/labels.js';
import { silentLogger } from '../../src/log.js';
import { createOrchestrator, type Orchestrator, type OrchestratorOptions } from '../../src/orchestrator.js';
import { readRecording } from '../../src/replay/read-recording.js';
import { createRecorder } from '../../src/replay/recorder.js';
import { recordingEngine } from '../../src/replay/recording-engine.js';
import { recordCommands } from '../../src/replay/recording-orchestrator.js';
import { replayRecording } from '../../src/replay/replay.js';
import { compareTransitions, formatTransition, observedTransitions } from '../../src/replay/transition-report.js';
import { writeManifests } from '../orchestrator/sim-daemon.js';
import { image, REGISTRY, SOCKET_PATH } from '../podman/support/env.js';
import { nextTransition } from '../podman/support/orchestrator-fixture.js';
import { kill, removeAllWithLabel } from '../podman/support/podman-cli.js';

/** test/replay/replay.test.ts bounds how much later than the replay live podwarden reacted by this. */
const MAX_LIVE_LAG_MS = 50;
const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

interface Scenario {
  manifests: Record<string, Record<string, unknown>>;
  options: Partial<OrchestratorOptions>;
  run(orchestrator: Orchestrator, containerName: (appId: string) => string): Promise<void>;
}

function reached(orchestrator: Orchestrator, appId: string, to: string, ms = 60_000) {
  return nextTransition(orchestrator.transitions$, (t) => t.appId === appId && t.to === to, ms);
}

const SCENARIOS: Record<string, Scenario> = {
  /** httpd installed, killed from outside (SIGKILL, as a crash), restarted by podwarden from the die event. */
  'httpd-kill-restart': {
    manifests: { web: { image: image('httpd') } },
    options: { intervalMs: 2_000 },
    async run(orchestrator, containerName) {
      const running = reached(orchestrator, 'web', 'running');
      await orchestrator.install('web');
      await running;
      await sleep(3_000);
      const back = reached(orchestrator, 'web', 'backoff').then(() => reached(orchestrator, 'web', 'running'));
      await kill(containerName('web'));
      await back;
      await sleep(2_000);
    },
  },
  /** A container that exits at once, restarted on the backoff schedule (1 s, 2 s, 4 s, …) for about 10 s. */
  'crasher-backoff': {
    manifests: { crashy: { image: image('crasher') } },
    options: {
      intervalMs: 2_000,
      backoff: { initialMs: 1_000, factor: 2, maxMs: 8_000, resetAfterMs: 60_000, jitter: 0 },
    },
    async run(orchestrator) {
      const crashed = reached(orchestrator, 'crashy', 'backoff');
      await orchestrator.install('crashy');
      await crashed;
      await sleep(10_000);
    },
  },
  /** httpd installed, then restarted by its owner (`podwarden restart web`): stopped, started again, the same container. */
  'httpd-restart': {
    manifests: { web: { image: image('httpd') } },
    options: { intervalMs: 2_000 },
    async run(orchestrator) {
      const running = reached(orchestrator, 'web', 'running');
      await orchestrator.install('web');
      await running;
      await sleep(1_000);
      await orchestrator.restartApp('web');
      await reached(orchestrator, 'web', 'running');
      await sleep(2_000);
    },
  },
  /** httpd installed, then uninstalled: stopped and removed, its machine gone. */
  'install-uninstall': {
    manifests: { web: { image: image('httpd'), env: { GREETING: 'not a secret, but never recorded' } } },
    options: { intervalMs: 2_000 },
    async run(orchestrator) {
      const running = reached(orchestrator, 'web', 'running');
      await orchestrator.install('web');
      await running;
      await sleep(1_000);
      const removed = reached(orchestrator, 'web', 'removed');
      await orchestrator.uninstall('web');
      await removed;
      await sleep(1_000);
    },
  },
};

async function record(name: string, scenario: Scenario): Promise<string> {
  const instance = `pwfx-${name}`;
  const namePrefix = `pwfx-${name}-`;
  await removeAllWithLabel(LABELS.owner, instance);
  const root = await mkdtemp(join(tmpdir(), 'podwarden-fixture-'));
  const file = join(root, `${name}.ndjson`);
  try {
    const catalogDir = join(root, 'catalog');
    await writeManifests(catalogDir, scenario.manifests);
    const options: OrchestratorOptions = {
      catalogDir,
      stateDir: join(root, 'state'),
      socketPath: SOCKET_PATH,
      instance,
      namePrefix,
      insecureRegistries: [REGISTRY],
      logger: silentLogger(),
      // What `auto` picks on podman 4.3, said up front: asking the engine (a ping that takes
      // seconds on a busy host) inside start() would put a call before the command that made it.
      imageHealthchecks: 'podwarden',
      ...scenario.options,
    };
    const recorder = await createRecorder({ file, options });
    const orchestrator = recordCommands(
      createOrchestrator({
        ...options,
        engine: recordingEngine(createDockerodeEngine({ socketPath: SOCKET_PATH }), recorder),
      }),
      recorder,
    );
    await orchestrator.start();
    try {
      await scenario.run(orchestrator, (appId) => `${namePrefix}${appId}`);
    } finally {
      await orchestrator.stop();
      await recorder.close();
    }
    return await check(name, file);
  } finally {
    await removeAllWithLabel(LABELS.owner, instance);
    await rm(root, { recursive: true, force: true });
  }
}

/** Replays the new recording twice; moves it into the fixtures only when it is a faithful one. */
async function check(name: string, file: string): Promise<string> {
  const recording = await readRecording(file);
  const first = await replayRecording(recording);
  const second = await replayRecording(recording);
  const lines = first.map(formatTransition);
  if (lines.join('\n') !== second.map(formatTransition).join('\n'))
    throw new Error(`${name}: two replays of the recording differ`);
  const problems = compareTransitions(first, observedTransitions(recording));
  if (problems.length > 0)
    throw new Error(`${name}: the replay differs from the live session:\n${problems.join('\n')}`);
  // A take recorded while the machine was busy (live podwarden slow to react) would fail the
  // replay test's lag bound; such a take is not kept.
  const observed = observedTransitions(recording);
  const lag = Math.max(...first.map((transition, index) => Math.abs(transition.offsetMs - observed[index]!.t)));
  if (lag > MAX_LIVE_LAG_MS)
    throw new Error(
      `${name}: live podwarden lagged the replay by ${lag} ms (> ${MAX_LIVE_LAG_MS}); record it on a quieter machine`,
    );
  await mkdir(FIXTURES, { recursive: true });
  const target = join(FIXTURES, `${name}.ndjson`);
  await copyFile(file, target);
  console.log(`${target}:\n${lines.map((line) => `  ${line}`).join('\n')}`);
  return target;
}

const wanted = process.argv.slice(2);
for (const name of wanted) {
  if (!(name in SCENARIOS)) throw new Error(`unknown scenario "${name}" (known: ${Object.keys(SCENARIOS).join(', ')})`);
}
for (const [name, scenario] of Object.entries(SCENARIOS)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  await record(name, scenario);
}
