import { commandWord } from '../companions/systemd/render-unit.js';
import type { UnitScope } from '../companions/systemd/systemd-units.js';

/** What a unit for podwarden itself is made from. */
export interface ServiceUnitInput {
  scope: UnitScope;
  /** The command that runs `podwarden run ...`, word by word (node, its flags, the script, run's arguments). */
  command: string[];
  /** Relative paths in `command` resolve from here, as they did where `service install` ran. */
  workingDirectory: string;
  /** systemd restarts podwarden when its event loop has not answered for this long. */
  watchdogSeconds: number;
}

export const SERVICE_UNIT_NAME = 'podwarden.service';

/**
 * The environment podwarden runs with as a service. `MALLOC_ARENA_MAX=2` (glibc's tunable):
 * by default every thread that calls malloc may get an arena of its own (up to 8 per core),
 * and what a thread freed stays mapped in its arena. podwarden's threads (the manifest parser's,
 * libuv's pool, V8's helpers) do little and rarely at once, so it gains nothing from them and
 * keeps ~3 MiB less at rest with two (docs/benchmarks.md).
 */
export const SERVICE_ENVIRONMENT: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' };

/**
 * Node's flags for podwarden as a service: V8 runs it in its interpreter, without its
 * compilers (`--no-opt --no-maglev --no-sparkplug`), and sizes its heap for memory before speed
 * (`--optimize-for-size`). A supervisor spends its life waiting; what it runs between waits is
 * small, so the compilers' code and their work cost more than they save: with the sample node
 * the daemon idles at ~65 MiB and ~0.5 % of a core instead of ~76–82 MiB and ~0.55–0.65 %, and a
 * quiet pass over 1 000 apps takes ~6 ms instead of ~2 ms (docs/benchmarks.md). Not
 * `--lite-mode`, which saves as much: it turns WebAssembly off, and Node's `fetch` (the registry
 * client's) cannot work without it.
 */
export const SERVICE_NODE_FLAGS: readonly string[] = [
  '--no-opt',
  '--no-maglev',
  '--no-sparkplug',
  '--optimize-for-size',
];

/**
 * The unit that runs podwarden as a service. `Type=notify`: systemd counts it started after
 * its first reconcile pass (READY=1) and restarts it when WATCHDOG=1 stops coming (a wedged
 * event loop) or when it dies. Containers are never in its cgroup (the engine's API service
 * starts them; companions are units of their own), so a restart or a kill leaves every app
 * running: the reference design's worst incident was the opposite.
 */
export function renderServiceUnit(input: ServiceUnitInput): string {
  return [
    '# Written by `podwarden service install`; `podwarden service uninstall` removes it.',
    '[Unit]',
    'Description=podwarden: keeps the apps of this node in the state their owner asked for',
    // podman's API socket of the same scope: socket activation starts the engine on first use.
    'Wants=podman.socket network-online.target',
    'After=podman.socket network-online.target',
    '',
    '[Service]',
    'Type=notify',
    // The notification comes from `systemd-notify`, a child (see src/service/sd-notify.ts).
    'NotifyAccess=all',
    `WorkingDirectory=${commandWord(input.workingDirectory)}`,
    ...Object.entries(SERVICE_ENVIRONMENT).map(([key, value]) => `Environment=${key}=${value}`),
    `ExecStart=${input.command.map(commandWord).join(' ')}`,
    'ExecReload=/bin/kill -HUP $MAINPID',
    'Restart=on-failure',
    'RestartSec=2',
    `WatchdogSec=${input.watchdogSeconds}`,
    // Boot recovery may wait for the engine; a pull under way is finished before stopping.
    'TimeoutStartSec=300',
    'TimeoutStopSec=600',
    // SIGTERM to podwarden alone; only what is left after the timeout is killed.
    'KillMode=mixed',
    '',
    '[Install]',
    `WantedBy=${input.scope === 'user' ? 'default.target' : 'multi-user.target'}`,
    '',
  ].join('\n');
}
