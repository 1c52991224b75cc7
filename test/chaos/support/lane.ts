import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { until } from '../../support/until.js';
import { lane } from '../../lanes/support/lane.js';
import { daemonArgs, startDaemon, type Daemon } from '../../podman/support/daemon.js';

const run = promisify(execFile);

/**
 * Where the chaos scenarios run: the engine podwarden talks to (an engine lane of
 * test/lanes/support/lane.ts), how podwarden runs as a daemon, and how the engine's API service
 * is restarted under it. The daemon scenarios only use this interface, so a lane for the systemd
 * host (podwarden as a service through test/systemd/support/host-session.ts, `systemctl restart`
 * of it, companions as units) can run them too: see docs/reliability.md.
 */
export interface ChaosLane {
  name: string;
  /** The engine's API socket podwarden and the tests use. */
  engineSocket: string;
  /** `podwarden run` with its catalog and state under `root`, its own owner label, and `extra` flags. */
  startPodwarden(root: string, instance: string, extra?: string[]): Daemon;
  /**
   * Restarts the engine's API service (containers live on without it) and resolves once it
   * answers again. Allowed only while this run holds the engine-tests lock.
   */
  restartEngineApi(): Promise<void>;
}

/** Written by scripts/setup-engine.sh: the pid of the podman API service it started. */
const SERVICE_PIDFILE = '/run/podwarden-dev/podman-service.pid';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * This machine: podman 4.3's API service started by scripts/setup-engine.sh, podwarden as a
 * plain child process (`kill -9` is a crash, SIGTERM a clean stop).
 */
const podman = lane('podman');
export const podman43Lane: ChaosLane = {
  name: `${podman.title} (setup-engine.sh service, podwarden as a process)`,
  engineSocket: podman.socketPath,
  startPodwarden: (root, instance, extra = []) =>
    startDaemon([...daemonArgs(root, instance, podman.socketPath), ...extra]),
  async restartEngineApi() {
    // As test/podman/engine-restart.test.ts does it: stop the service setup-engine.sh started,
    // wait until it is really gone, then start it the way setup-engine.sh does.
    const pid = Number((await readFile(SERVICE_PIDFILE, 'utf8')).trim());
    process.kill(pid, 'SIGTERM');
    await until(`the podman API service (pid ${pid}) to exit`, () => !alive(pid), 60_000, 100);
    await run('bash', ['scripts/setup-engine.sh']);
  },
};

/** The lane these scenarios run on here; a systemd lane would be chosen by the environment. */
export function chaosLane(): ChaosLane {
  return podman43Lane;
}

/** How many rounds each repeated fault gets: 1 in `npm test`, more in `npm run chaos` (CHAOS_ROUNDS). */
export const CHAOS_ROUNDS = Math.max(1, Number(process.env.CHAOS_ROUNDS ?? 1));
