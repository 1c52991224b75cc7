import { basename } from 'node:path';
import { waitFor, type Actor } from 'xstate';
import type { DeclaredApp, supervisorMachine } from '../machines/supervisor.machine.js';
import type { Clock } from './domain/clock.js';
import type { Journal } from './journal/journal.js';
import type { Logger } from './log.js';
import { checkAppId, PodwardenError } from './podwarden-error.js';
import type { DesiredState, DesiredStore } from './state/desired-store.js';
import { topLevelState } from './streams/transitions.js';

type Supervisor = Actor<typeof supervisorMachine>;

/** What the owner's commands read and change; the orchestrator owns it. */
export interface OwnerCommandDeps {
  store: DesiredStore;
  journal: Pick<Journal, 'append'> | undefined;
  logger: Logger;
  clock: Clock;
  desired(): DesiredState;
  /** Called only after `next` is on disk: from then on it is what the owner asked for. */
  believe(next: DesiredState): void;
  supervisor(): Supervisor;
  /** The app as the supervisor gets it (its manifest and desired state); undefined when it has no manifest. */
  declared(appId: string): DeclaredApp | undefined;
  /** The catalog file the app's manifest is read from; undefined when the catalog has none. */
  catalogFile(appId: string): string | undefined;
  /** The catalog has a file for the app, but refuses it (invalid, or not allowed on this host). */
  catalogRefuses(appId: string): boolean;
  /** Why an app cannot be installed: it is not in the catalog, or its manifest is refused. */
  manifestProblem(appId: string): string;
  /** The owner uninstalled it: a container of it found later may be removed. */
  uninstalled(appId: string): void;
}

/**
 * Where a restart's stop ends: stopped, gone, or backing off because the stop failed (the
 * start that follows is what the owner wants either way).
 */
const RESTART_STOPPED_STATES = new Set(['stopped', 'removed', 'halted', 'backoff']);
const RESTART_TIMEOUT_MS = 5 * 60_000;

/**
 * The owner's commands, written before they are believed: each computes the next desired
 * state, saves it (atomically, keeping the previous copy), and only then changes memory and
 * tells the machines. A failed save changes nothing, then or later (the next command starts
 * from the state on disk), and the command fails saying so. The journal records each command
 * with its outcome: `applied` once saved, `refused` with the reason otherwise. Commands that
 * change desired.json run one at a time, so two never build on the same old state.
 */
export function createOwnerCommands(deps: OwnerCommandDeps) {
  let queue: Promise<unknown> = Promise.resolve();

  function serially<T>(run: () => Promise<T>): Promise<T> {
    const turn = queue.then(run);
    queue = turn.catch(() => undefined);
    return turn;
  }

  function note(
    appId: string,
    command: string,
    outcome: 'applied' | 'refused',
    extra: { error?: string; note?: string } = {},
  ): Promise<unknown> {
    return (
      deps.journal?.append({ type: 'command', at: deps.clock.now(), appId, command, outcome, ...extra }) ??
      Promise.resolve()
    );
  }

  function requireInstalled(appId: string): void {
    checkAppId(appId);
    if (!deps.desired().apps[appId]) throw new PodwardenError(`app "${appId}" is not installed`, 'not-found');
  }

  /**
   * Saves `next(current)`; on success believes it, journals the command as applied (before
   * `apply` tells the machines, so the record precedes the steps it causes) and applies it.
   */
  function change(
    appId: string,
    command: string,
    next: (current: DesiredState) => DesiredState,
    apply: () => void,
    options: { alreadyNoted?: boolean; note?: string } = {},
  ): Promise<void> {
    const said = options.note === undefined ? {} : { note: options.note };
    return serially(async () => {
      const state = next(deps.desired());
      try {
        await deps.store.save(state);
      } catch (error) {
        const why = error instanceof Error ? error.message : String(error);
        await note(appId, command, 'refused', { error: why, ...said });
        deps.logger.error(
          { app: appId, command, err: why },
          `${command} ${appId} refused: the desired state could not be saved; nothing changed`,
        );
        throw new PodwardenError(`${command} ${appId} refused, nothing changed: ${why}`, 'unsaved');
      }
      deps.believe(state);
      const noted = options.alreadyNoted ? undefined : note(appId, command, 'applied', said);
      apply();
      await noted;
    });
  }

  /** `state` with the app installed and wanted `desired`; a new install is bound to the catalog file it came from. */
  function withApp(state: DesiredState, appId: string, desired: 'running' | 'stopped'): DesiredState {
    const current = state.apps[appId];
    const file = deps.catalogFile(appId);
    const manifestFile = current?.manifestFile ?? (file === undefined ? undefined : basename(file));
    const app = {
      ...current,
      desired,
      installedAt: current?.installedAt ?? new Date(deps.clock.now()).toISOString(),
      ...(manifestFile === undefined ? {} : { manifestFile }),
    };
    return { ...state, apps: { ...state.apps, [appId]: app } };
  }

  /** The owner asked for the app again: one that gave up (`failed`) tries afresh. */
  function retry(appId: string): void {
    deps.supervisor().getSnapshot().context.refs[appId]?.send({ type: 'RETRY' });
  }

  async function setDesired(
    appId: string,
    command: string,
    desired: 'running' | 'stopped',
    alreadyNoted = false,
  ): Promise<void> {
    requireInstalled(appId);
    const supervisor = deps.supervisor();
    return change(
      appId,
      command,
      (state) => withApp(state, appId, desired),
      () => {
        supervisor.send({ type: 'SET_DESIRED', appId, desired });
        if (desired === 'running') retry(appId);
      },
      { alreadyNoted },
    );
  }

  /** Whether `restartApp` stops the app first (it runs, or should): otherwise a restart is a start. */
  function restartStopsFirst(appId: string): boolean {
    let supervisor: Supervisor;
    try {
      supervisor = deps.supervisor();
    } catch {
      return false;
    }
    return (
      supervisor.getSnapshot().context.refs[appId] !== undefined && deps.desired().apps[appId]?.desired === 'running'
    );
  }

  /** Installs (or adopts) `appId` wanting it `desired`, keeping an installed app's own wish. */
  async function install(appId: string, command = 'install', desired?: 'running' | 'stopped'): Promise<void> {
    checkAppId(appId);
    const supervisor = deps.supervisor();
    if (deps.catalogFile(appId) === undefined) {
      throw new PodwardenError(
        `cannot ${command} "${appId}": ${deps.manifestProblem(appId)}`,
        deps.catalogRefuses(appId) ? 'invalid' : 'not-found',
      );
    }
    return change(
      appId,
      command,
      (state) => withApp(state, appId, desired ?? state.apps[appId]?.desired ?? 'running'),
      () => {
        supervisor.send({ type: 'INSTALL', appId, app: deps.declared(appId)! });
        retry(appId);
      },
    );
  }

  return {
    install: (appId: string) => install(appId),
    /** Installs an app whose container podwarden left alone, wanting it as the evidence says. */
    adopt: (appId: string, desired: 'running' | 'stopped') => install(appId, 'adopt', desired),

    async uninstall(appId: string): Promise<void> {
      requireInstalled(appId);
      const supervisor = deps.supervisor();
      return change(
        appId,
        'uninstall',
        (state) => {
          const { [appId]: _gone, ...apps } = state.apps;
          return { ...state, apps };
        },
        () => {
          deps.uninstalled(appId);
          supervisor.send({ type: 'UNINSTALL', appId });
        },
      );
    },

    /** Binds the installed app to another catalog file (`name`); `apply` puts the catalog read from it in force. */
    move(appId: string, name: string, apply: () => void): Promise<void> {
      requireInstalled(appId);
      return change(
        appId,
        'move',
        (state) => ({ ...state, apps: { ...state.apps, [appId]: { ...state.apps[appId]!, manifestFile: name } } }),
        apply,
        { note: name },
      );
    },

    startApp: (appId: string) => setDesired(appId, 'start', 'running'),
    stopApp: (appId: string) => setDesired(appId, 'stop', 'stopped'),

    async restartApp(appId: string): Promise<void> {
      requireInstalled(appId);
      const supervisor = deps.supervisor();
      const ref = supervisor.getSnapshot().context.refs[appId];
      // Not running as the owner wants it: a restart is a start, which desired.json must hold first.
      if (!restartStopsFirst(appId)) return setDesired(appId, 'restart', 'running');
      // desired.json says `running` and stays so: nothing to write, so the command is applied
      // at the call. The machine hears the stop now (where a recording replays it); the journal
      // queues its appends in order, so the record precedes the stop's intent. A crash
      // mid-restart leaves the app to be started again, never stopped for good.
      const noted = note(appId, 'restart', 'applied');
      supervisor.send({ type: 'SET_DESIRED', appId, desired: 'stopped' });
      await noted;
      // The deadline runs on the injected clock (waitFor's own timeout would take the global one).
      const deadline = new AbortController();
      const timer = deps.clock.setTimeout(
        () => deadline.abort(new Error(`Timeout of ${RESTART_TIMEOUT_MS} ms exceeded`)),
        RESTART_TIMEOUT_MS,
      );
      try {
        await waitFor(ref!, (snapshot) => RESTART_STOPPED_STATES.has(topLevelState(snapshot.value)), {
          timeout: Infinity,
          signal: deadline.signal,
        });
      } finally {
        deps.clock.clearTimeout(timer);
      }
      if (deps.desired().apps[appId]?.desired === 'running') {
        // The start follows the stop at once, with nothing to write.
        supervisor.send({ type: 'SET_DESIRED', appId, desired: 'running' });
        retry(appId);
        return;
      }
      // The owner stopped it while it stopped: the restart still asks for it running, which
      // desired.json must now hold (the restart is on record already).
      await setDesired(appId, 'restart', 'running', true);
    },

    restartStopsFirst,
  };
}
