import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/**
 * Tells systemd how the service is doing (sd_notify(3)) when podwarden runs as a `Type=notify`
 * unit. Node cannot send the datagram itself (no AF_UNIX datagram sockets), and every npm
 * package that does needs a native build; systemd's own `systemd-notify` sends it instead.
 * It waits until the manager has processed the message (a barrier), so the message is
 * credited to this unit even though it comes from a short-lived child: the unit sets
 * `NotifyAccess=all`.
 */
export interface ServiceNotifier {
  /** READY=1: start-up is done (the first reconcile pass ran). */
  ready(status: string): Promise<void>;
  /** WATCHDOG=1: the event loop is alive. */
  watchdog(): Promise<void>;
  /** STOPPING=1: in-flight steps are finishing. */
  stopping(status: string): Promise<void>;
  /** How often to send WATCHDOG=1 (half of WatchdogSec), or undefined when systemd wants none. */
  readonly watchdogEveryMs: number | undefined;
}

export type NotifyRun = (file: string, args: string[]) => Promise<unknown>;

const defaultRun: NotifyRun = (file, args) => execFileAsync(file, args, { timeout: 10_000 });

/** The notifier for this process, or undefined when it was not started by systemd as `Type=notify`. */
export function systemdNotifier(
  env: NodeJS.ProcessEnv = process.env,
  pid = process.pid,
  run: NotifyRun = defaultRun,
): ServiceNotifier | undefined {
  if (!env.NOTIFY_SOCKET) return undefined;
  const send = (...assignments: string[]) => run('systemd-notify', assignments).then(() => undefined);
  const watchdogUsec = Number(env.WATCHDOG_USEC);
  // WATCHDOG_PID names the process systemd watches: a child that inherited the variable is not it.
  const watched =
    Number.isFinite(watchdogUsec) &&
    watchdogUsec > 0 &&
    (env.WATCHDOG_PID === undefined || Number(env.WATCHDOG_PID) === pid);
  return {
    ready: (status) => send('READY=1', `STATUS=${status}`),
    watchdog: () => send('WATCHDOG=1'),
    stopping: (status) => send('STOPPING=1', `STATUS=${status}`),
    watchdogEveryMs: watched ? Math.max(1, Math.floor(watchdogUsec / 2000)) : undefined,
  };
}
