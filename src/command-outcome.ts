import { Subscription, type Observable } from 'rxjs';
import type { Clock, TimerId } from './domain/clock.js';
import { isCompanionKey } from '../machines/binding.js';
import { PodwardenError } from './podwarden-error.js';
import { rowKey, type AppStatus } from './status-rows.js';
import type { Transition } from './streams/transitions.js';

/** The owner's commands whose outcome can be awaited. */
export type OwnerCommandName = 'install' | 'uninstall' | 'start' | 'stop' | 'restart' | 'update' | 'rollback';

/** Options every owner's command takes: wait for its outcome, and how long. */
export interface CommandOptions {
  /** Resolve only when the app reached what the command asked for (rejects when it cannot, or in time). */
  wait?: { timeoutMs: number };
}

export interface OutcomeDeps {
  status(): AppStatus[];
  transitions$: Observable<Transition>;
  /** Why the app cannot come up whatever happens (a dependency missing or stopped); undefined when nothing blocks it. */
  blocker(appId: string): string | undefined;
  clock: Clock;
}

type Verdict = { reached: true } | { reached: false; cannot?: string };

const GOING: Verdict = { reached: false };
// Readiness changes inside `running` are no transition: the rows are read again this often too.
const RECHECK_MS = 500;

const GOALS: Record<OwnerCommandName, string> = {
  install: 'running and ready',
  start: 'running and ready',
  restart: 'running and ready again',
  stop: 'stopped',
  uninstall: 'removed',
  update: 'updated, running and ready',
  rollback: 'rolled back, running and ready',
};

function said(row: AppStatus): string {
  const why = row.failure ?? row.reason;
  return why && why !== row.state ? `${row.state} (${why})` : row.state;
}

function runsAndIsReady(row: AppStatus | undefined, appId: string, deps: OutcomeDeps): Verdict {
  if (!row) return GOING;
  if (row.state === 'manifest-error') return { reached: false, cannot: row.reason };
  const blocked = deps.blocker(appId);
  // A companion's row says `stopped` while its app is stopped: the app is the reason.
  if (blocked && isCompanionKey(appId)) return { reached: false, cannot: blocked };
  if (row.desired !== 'running') return { reached: false, cannot: `another command asked for ${row.desired}` };
  if (blocked) return { reached: false, cannot: blocked };
  if (row.state === 'failed') return { reached: false, cannot: `it failed (${row.failure ?? row.reason})` };
  return row.state === 'running' && row.ready !== false ? { reached: true } : GOING;
}

/**
 * An update's or rollback's own verdict: going while one is under way, not reached when the
 * update ended other than asked; undefined once that part is over (then the app must run).
 */
function updateVerdict(row: AppStatus | undefined, command: 'update' | 'rollback', endedBefore?: number) {
  if (row?.update) return GOING;
  const last = row?.lastUpdate;
  if (!last || last.endedAt === endedBefore) return command === 'rollback' ? GOING : undefined;
  const wanted = command === 'update' ? 'updated' : 'rolled-back';
  if (last.result !== wanted)
    return {
      reached: false,
      cannot: `the update ${last.from} → ${last.to}${last.toDigest ? ` (${last.toDigest})` : ''} was ${last.result}: ${last.reason ?? ''}`,
    };
  return undefined;
}

/**
 * Watches one app from just before the owner's command is applied until it reaches what the
 * command asked for, or cannot: call `begin()` once the command is applied. A restart counts
 * only once the app has left `running` since the watch began, so the run it replaced does not
 * answer for it. Rejects with PodwardenError `not-reached` (with the reason) or `timed-out`.
 */
export function watchOutcome(deps: OutcomeDeps, appId: string, command: OwnerCommandName, timeoutMs: number) {
  const rowOf = () => deps.status().find((row) => rowKey(row) === appId);
  let leftRunning = command !== 'restart' || rowOf()?.state !== 'running';
  // An update (or rollback) counts once one ended after the watch began.
  const endedBefore = rowOf()?.lastUpdate?.endedAt;

  function verdict(): Verdict {
    const row = rowOf();
    switch (command) {
      case 'uninstall':
        return deps.status().some((entry) => entry.appId === appId) ? GOING : { reached: true };
      case 'stop':
        if (row?.state === 'manifest-error') return { reached: false, cannot: row.reason };
        if (row && row.desired !== 'stopped')
          return { reached: false, cannot: `another command asked for ${row.desired}` };
        return row?.state === 'stopped' ? { reached: true } : GOING;
      case 'update':
      case 'rollback':
        return updateVerdict(row, command, endedBefore) ?? runsAndIsReady(row, appId, deps);
      default: {
        const running = runsAndIsReady(row, appId, deps);
        return running.reached && !leftRunning ? GOING : running;
      }
    }
  }

  // Closed by `finish`; what is added after (a stream that completes at once) is closed at once.
  const watching = new Subscription();
  let recheck: TimerId | undefined;
  let deadline: TimerId | undefined;
  let settle: ((outcome: AppStatus | undefined) => void) | undefined;
  let fail: ((error: PodwardenError) => void) | undefined;
  const settled = new Promise<AppStatus | undefined>((resolve, reject) => {
    settle = resolve;
    fail = reject;
  });
  // Judged before anyone awaits it (podwarden stopping during the command): never an unhandled rejection.
  settled.catch(() => undefined);
  let began = false;
  const check = () => {
    if (!began) return;
    const now = verdict();
    if (now.reached) finish(() => settle!(command === 'uninstall' ? undefined : rowOf()));
    else if (now.cannot)
      finish(() => fail!(new PodwardenError(`${appId} cannot be ${GOALS[command]}: ${now.cannot}`, 'not-reached')));
  };
  const events = deps.transitions$.subscribe({
    next(transition) {
      if (rowKey(transition) === appId && transition.from === 'running') leftRunning = true;
      check();
    },
    // podwarden stopped: no outcome will come, and no timer of this wait may keep the process alive.
    complete: () =>
      finish(() => fail!(new PodwardenError(`podwarden stopped before ${appId} was ${GOALS[command]}`, 'not-started'))),
  });
  watching.add(events);
  function finish(then: () => void): void {
    if (!settle) return;
    watching.unsubscribe();
    deps.clock.clearInterval(recheck);
    deps.clock.clearTimeout(deadline);
    then();
    settle = undefined;
  }

  return {
    settled,
    /** The command is applied: judge from now on. */
    begin(): void {
      began = true;
      deadline = deps.clock.setTimeout(() => {
        const row = rowOf();
        const where = row ? `its state is ${said(row)}` : 'it is not there';
        finish(() =>
          fail!(
            new PodwardenError(
              `${appId} is not ${GOALS[command]} after ${Math.round(timeoutMs / 1000)} s: ${where}`,
              'timed-out',
            ),
          ),
        );
      }, timeoutMs);
      recheck = deps.clock.setInterval(check, RECHECK_MS);
      check();
    },
    /** The command itself failed: stop watching (its error is the answer). */
    cancel(): void {
      finish(() => undefined);
    },
  };
}

/** Runs the owner's command; with `wait`, resolves with the app's row once it reached the command's goal. */
export async function awaitCommand(
  deps: OutcomeDeps,
  appId: string,
  command: OwnerCommandName,
  options: CommandOptions | undefined,
  run: () => Promise<void>,
): Promise<AppStatus | undefined> {
  if (!options?.wait) {
    await run();
    return undefined;
  }
  const outcome = watchOutcome(deps, appId, command, options.wait.timeoutMs);
  try {
    await run();
  } catch (error) {
    outcome.cancel();
    throw error;
  }
  outcome.begin();
  return outcome.settled;
}

/** The owner's commands as the orchestrator offers them: each may be waited for (see CommandOptions). */
export function awaitedCommands(
  commands: {
    install(appId: string): Promise<void>;
    uninstall(appId: string, force?: boolean): Promise<void>;
    startApp(appId: string): Promise<void>;
    stopApp(appId: string): Promise<void>;
    restartApp(appId: string): Promise<void>;
    update(appId: string): Promise<void>;
    rollback(appId: string): Promise<void>;
  },
  deps: OutcomeDeps,
) {
  return {
    install: (appId: string, options?: CommandOptions) =>
      awaitCommand(deps, appId, 'install', options, () => commands.install(appId)),
    uninstall: (appId: string, options?: CommandOptions & { force?: boolean }) =>
      awaitCommand(deps, appId, 'uninstall', options, () => commands.uninstall(appId, options?.force)),
    startApp: (appId: string, options?: CommandOptions) =>
      awaitCommand(deps, appId, 'start', options, () => commands.startApp(appId)),
    stopApp: (appId: string, options?: CommandOptions) =>
      awaitCommand(deps, appId, 'stop', options, () => commands.stopApp(appId)),
    restartApp: (appId: string, options?: CommandOptions) =>
      awaitCommand(deps, appId, 'restart', options, () => commands.restartApp(appId)),
    updateApp: (appId: string, options?: CommandOptions) =>
      awaitCommand(deps, appId, 'update', options, () => commands.update(appId)),
    rollbackApp: (appId: string, options?: CommandOptions) =>
      awaitCommand(deps, appId, 'rollback', options, () => commands.rollback(appId)),
  };
}
