import { access } from 'node:fs/promises';
import { join } from 'node:path';
import {
  createSystemdUnits,
  unitDirectory,
  type SystemdUnits,
  type UnitScope,
} from '../companions/systemd/systemd-units.js';
import { currentIdentity, type HostIdentity } from '../host/host-paths.js';
import { renderServiceUnit, SERVICE_NODE_FLAGS, SERVICE_UNIT_NAME } from './service-unit.js';

export interface ServiceInstallOptions {
  scope: UnitScope;
  /** Arguments of `podwarden run` in the unit. */
  runArgs: string[];
  watchdogSeconds: number;
  /** Start (or restart, when the unit changed) it now; it starts at boot either way. */
  start: boolean;
  /** The command that runs this very podwarden; defaults to how this process was started. */
  podwarden?: string[];
  workingDirectory?: string;
  units?: SystemdUnits;
  identity?: HostIdentity;
}

export interface ServiceInstallOutcome {
  file: string;
  changed: boolean;
  /** For a user unit of a user who does not linger: it would not start before they log in. */
  warning?: string;
}

/**
 * The command that runs this podwarden as a service: node, the service's node flags, this
 * process's own (a loader such as tsx), and the script.
 */
export function thisPodwarden(): string[] {
  const serviceFlags = SERVICE_NODE_FLAGS.filter((flag) => !process.execArgv.includes(flag));
  return [process.execPath, ...serviceFlags, ...process.execArgv, process.argv[1] ?? 'podwarden'];
}

function unitsFor(
  scope: UnitScope,
  identity: HostIdentity,
  units?: SystemdUnits,
): { units: SystemdUnits; directory: string } {
  const directory = unitDirectory(scope, false, identity);
  return { directory, units: units ?? createSystemdUnits({ directory, quadlet: false, scope }) };
}

async function lingers(identity: HostIdentity): Promise<boolean> {
  const name = identity.env.USER ?? identity.env.LOGNAME;
  if (!name) return true;
  return access(join('/var/lib/systemd/linger', name)).then(
    () => true,
    () => false,
  );
}

/** Writes podwarden's own unit (atomically, only when it changed), reloads systemd, enables it. */
export async function installService(options: ServiceInstallOptions): Promise<ServiceInstallOutcome> {
  const identity = options.identity ?? currentIdentity();
  if (options.scope === 'system' && identity.uid !== 0) {
    throw new Error('a system unit needs root; for your own user, run `podwarden service install --user`');
  }
  const { units, directory } = unitsFor(options.scope, identity, options.units);
  const text = renderServiceUnit({
    scope: options.scope,
    command: [...(options.podwarden ?? thisPodwarden()), 'run', ...options.runArgs],
    workingDirectory: options.workingDirectory ?? process.cwd(),
    watchdogSeconds: options.watchdogSeconds,
  });
  const changed = await units.writeUnit(SERVICE_UNIT_NAME, text);
  if (changed) await units.daemonReload();
  if (options.start) await (changed ? units.restart(SERVICE_UNIT_NAME) : units.enableNow(SERVICE_UNIT_NAME));
  const warning =
    options.scope === 'user' && !(await lingers(identity))
      ? `user ${identity.env.USER ?? identity.uid} does not linger: podwarden starts at boot only after \`loginctl enable-linger\``
      : undefined;
  return { file: join(directory, SERVICE_UNIT_NAME), changed, ...(warning ? { warning } : {}) };
}

/** Stops and disables podwarden's unit and removes it. The apps' containers keep running. */
export async function uninstallService(
  scope: UnitScope,
  identity: HostIdentity = currentIdentity(),
  given?: SystemdUnits,
): Promise<{ file: string; removed: boolean }> {
  const { units, directory } = unitsFor(scope, identity, given);
  await units.disableNow(SERVICE_UNIT_NAME).catch(() => undefined);
  const removed = await units.removeUnit(SERVICE_UNIT_NAME);
  if (removed) await units.daemonReload();
  return { file: join(directory, SERVICE_UNIT_NAME), removed };
}
