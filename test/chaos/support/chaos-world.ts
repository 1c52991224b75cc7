import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { stringify } from 'yaml';
import { createApiClient } from '../../../src/api/client.js';
import { LABELS } from '../../../src/domain/labels.js';
import { runCli, type CliResult, type Daemon } from '../../podman/support/daemon.js';
import { containersWithLabel, removeAllWithLabel, type ContainerSummary } from '../../podman/support/podman-cli.js';
import { until } from '../../support/until.js';
import { chaosLane, type ChaosLane } from './lane.js';

/**
 * One chaos scenario's podwarden: its own owner label (so it sees only its containers), app ids
 * and catalog, a state dir (which a scenario may put on a small tmpfs), and the daemon as the
 * lane runs it, driven through the CLI as an owner would.
 */
export interface ChaosWorld {
  lane: ChaosLane;
  tag: string;
  instance: string;
  root: string;
  stateDir: string;
  /** An app id unique to this world (podwarden's container is `podwarden-<id>`). */
  app(name: string): string;
  /** Writes the app's manifest (version '1' unless `extra` says another; `extra` adds keys like `update`). */
  writeApp(appId: string, container: Record<string, unknown>, extra?: Record<string, unknown>): Promise<void>;
  /** Starts the daemon and waits until its recovery gate opens (or it exits: `expectRefusal`). */
  start(extra?: string[]): Promise<Daemon>;
  /** Starts the daemon expecting it to refuse to run: resolves with its exit code and output. */
  expectRefusal(extra?: string[]): Promise<{ code: number | null; output: string }>;
  /** SIGTERM: a clean stop, steps finish. */
  stop(): Promise<void>;
  /** SIGKILL: a crash at whatever it was doing. */
  crash(): Promise<void>;
  readonly daemon: Daemon | undefined;
  cli(...args: string[]): Promise<CliResult>;
  /** One sample of a metric family from the daemon's /metrics (its first series), or undefined. */
  metric(name: string): Promise<number | undefined>;
  /** Every container with this world's owner label. */
  containers(): Promise<ContainerSummary[]>;
  containersOf(appId: string): Promise<ContainerSummary[]>;
  /** desired.json's apps and how each is wanted. */
  desired(): Promise<Record<string, string>>;
  cleanup(): Promise<void>;
}

export async function createChaosWorld(label: string, options: { stateDir?: string } = {}): Promise<ChaosWorld> {
  const lane = chaosLane();
  const tag = randomBytes(3).toString('hex');
  const instance = `chaos-${label}-${tag}`;
  const root = await mkdtemp(join(tmpdir(), `pw-chaos-${label}-`));
  await mkdir(join(root, 'catalog'));
  const stateDir = options.stateDir ?? join(root, 'state');
  const socket = join(stateDir, 'podwarden.sock');
  const stateArgs = options.stateDir ? ['--state-dir', stateDir] : [];
  let daemon: Daemon | undefined;

  const world: ChaosWorld = {
    lane,
    tag,
    instance,
    root,
    stateDir,
    get daemon() {
      return daemon;
    },
    app: (name) => `${name}${tag}`,
    async writeApp(appId, container, extra = {}) {
      await writeFile(
        join(root, 'catalog', `${appId}.yml`),
        stringify({ app: { id: appId, name: appId, version: '1', ...extra, container } }),
      );
    },
    async start(extra = []) {
      const started = lane.startPodwarden(root, instance, [...stateArgs, ...extra]);
      daemon = started;
      let exited = false;
      void started.exited.then(() => (exited = true));
      await until(
        () => `the daemon to open its recovery gate: ${started.output()}`,
        () => {
          if (exited) throw new Error(`the daemon exited before supervising: ${started.output()}`);
          return started.output().includes('recovery done');
        },
        60_000,
      );
      return started;
    },
    async expectRefusal(extra = []) {
      const started = lane.startPodwarden(root, instance, [...stateArgs, ...extra]);
      daemon = started;
      const timer = setTimeout(() => started.process.kill('SIGKILL'), 60_000);
      const code = await started.exited;
      clearTimeout(timer);
      daemon = undefined;
      return { code, output: started.output() };
    },
    async stop() {
      if (!daemon) return;
      daemon.process.kill('SIGTERM');
      await daemon.exited;
      daemon = undefined;
    },
    async crash() {
      if (!daemon) return;
      daemon.process.kill('SIGKILL');
      await daemon.exited;
      daemon = undefined;
    },
    cli: (...args) => runCli([...args, '--socket', socket]),
    async metric(name) {
      const text = (await createApiClient({ socketPath: socket }).raw('GET', '/metrics')).body;
      const value = parsePrometheusTextFormat(text).find((entry) => entry.name === name)?.metrics[0]?.value;
      return value === undefined ? undefined : Number(value);
    },
    containers: () => containersWithLabel(LABELS.owner, instance),
    async containersOf(appId) {
      return (await world.containers()).filter((container) => container.labels[LABELS.app] === appId);
    },
    async desired() {
      const text = await readFile(join(stateDir, 'desired.json'), 'utf8');
      const apps = (JSON.parse(text) as { apps: Record<string, { desired: string }> }).apps;
      return Object.fromEntries(Object.entries(apps).map(([appId, app]) => [appId, app.desired]));
    },
    async cleanup() {
      if (daemon) await world.stop();
      await removeAllWithLabel(LABELS.owner, instance);
      await rm(root, { recursive: true, force: true });
    },
  };
  return world;
}
