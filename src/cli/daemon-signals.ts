import type { Logger } from '../log.js';

type Signal = 'SIGHUP' | 'SIGTERM' | 'SIGINT';

/** What the daemon does when it is up: reload the catalog (SIGHUP). */
export interface RunningHandlers {
  reload: () => Promise<unknown>;
}

/**
 * The daemon's signals, heard from the first instruction of `podwarden run` to its last, so
 * none of them ever kills it with the default action (a SIGHUP before its handler existed
 * ended the daemon with exit 129 and no log line). While starting, a SIGHUP is queued (the
 * reload runs once start-up is done: the catalog start-up read may be older than the change)
 * and a SIGTERM/SIGINT stops the daemon as soon as start-up is done; while running, SIGHUP
 * reloads (one at a time: one more queued behind the running one) and SIGTERM/SIGINT stop;
 * while stopping, each is said in the log and changes nothing.
 */
export function watchDaemonSignals(target: NodeJS.EventEmitter = process) {
  let phase: 'starting' | 'running' | 'stopping' = 'starting';
  let log: Logger | undefined;
  const early: string[] = [];
  let stopAsked: Signal | undefined;
  let reloadQueued = false;
  let reloading = false;
  let handlers: RunningHandlers | undefined;
  let stop: ((signal: Signal) => void) | undefined;

  const say = (message: string) => (log ? log.info(message) : early.push(message));

  function reload(): void {
    if (reloading) {
      reloadQueued = true;
      return;
    }
    reloading = true;
    reloadQueued = false;
    void handlers!
      .reload()
      .catch((error: unknown) => say(`reload failed: ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => {
        reloading = false;
        if (reloadQueued && phase === 'running') reload();
      });
  }

  function hangup(): void {
    if (phase === 'starting') {
      reloadQueued = true;
      say('SIGHUP during start-up: the catalog is reloaded once start-up is done');
    } else if (phase === 'stopping') {
      say('SIGHUP while stopping: ignored');
    } else {
      reload();
    }
  }

  function terminate(signal: Signal): void {
    if (stopAsked !== undefined) {
      say(`${signal}: already stopping (in-flight steps finish; SIGKILL stops at once)`);
      return;
    }
    stopAsked = signal;
    if (phase === 'starting') say(`${signal} during start-up: stopping as soon as start-up is done`);
    else {
      phase = 'stopping';
      stop?.(signal);
    }
  }

  target.on('SIGHUP', hangup);
  target.on('SIGTERM', () => terminate('SIGTERM'));
  target.on('SIGINT', () => terminate('SIGINT'));

  return {
    /** From now on signals are logged here; what came before the logger is logged now. */
    useLogger(logger: Logger): void {
      log = logger;
      for (const message of early.splice(0)) logger.info(message);
    },
    /** A stop was asked during start-up: skip what is left of it. */
    get stopAsked(): boolean {
      return stopAsked !== undefined;
    },
    /**
     * Start-up is done: a queued reload runs, SIGHUP reloads from now on. Resolves with the
     * signal that asks the daemon to stop (at once, when one came during start-up).
     */
    running(running: RunningHandlers): Promise<Signal> {
      handlers = running;
      return new Promise<Signal>((resolve) => {
        if (stopAsked !== undefined) {
          phase = 'stopping';
          resolve(stopAsked);
          return;
        }
        phase = 'running';
        stop = resolve;
        if (reloadQueued) reload();
      });
    },
  };
}
