import { basename } from 'node:path';
import type { Actor } from 'xstate';
import type { DeclaredApp, supervisorMachine } from '../machines/supervisor.machine.js';
import type { DigestChange } from '../machines/types.js';
import type { Clock } from './domain/clock.js';
import type { Journal } from './journal/journal.js';
import type { Logger } from './log.js';
import { checkAppId, checkAppOrCompanionId, PodwardenError } from './podwarden-error.js';
import { isCompanionKey, ownerOfKey } from '../machines/binding.js';
import type { DesiredState, DesiredStore } from './state/desired-store.js';
import type { AppStatus } from './status-rows.js';

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
  /** Installed apps whose manifest depends on this one. */
  dependents(appId: string): string[];
  /** The owner uninstalled it: a container of it found later may be removed, its update record goes. */
  uninstalled(appId: string): void;
  /** The app's row as `status()` shows it (undefined without one): what a command may read of a machine. */
  statusOf(appId: string): AppStatus | undefined;
  /**
   * Another image the registry serves behind the app's tag than the one its container runs
   * (src/registry/digest-offer.ts); undefined when it serves the same, or cannot be asked.
   */
  newDigest?(spec: DeclaredApp['spec']): Promise<DigestChange | undefined>;
}

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
    if (isCompanionKey(appId)) return setCompanionDesired(appId, command, desired);
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

  /** The companion `<appId>/<companionId>` of an installed app whose manifest declares it; its ids. */
  function requireCompanion(key: string, command: string): { appId: string; companionId: string } {
    checkAppOrCompanionId(key);
    const appId = ownerOfKey(key);
    const companionId = key.slice(appId.length + 1);
    requireInstalled(appId);
    const app = deps.declared(appId);
    if (!app) throw new PodwardenError(`cannot ${command} "${key}": ${deps.manifestProblem(appId)}`, 'invalid');
    if (!app.companions?.[companionId])
      throw new PodwardenError(`app "${appId}" has no companion "${companionId}"`, 'not-found');
    return { appId, companionId };
  }

  /**
   * The owner's word for one companion, saved in its app's entry (`stoppedCompanions`) like the
   * app's own: a stopped companion stays stopped, whatever its app does, until started again.
   */
  function setCompanionDesired(key: string, command: string, desired: 'running' | 'stopped'): Promise<void> {
    const { appId, companionId } = requireCompanion(key, command);
    const supervisor = deps.supervisor();
    return change(
      key,
      command,
      (state) => {
        const app = state.apps[appId]!;
        const others = (app.stoppedCompanions ?? []).filter((id) => id !== companionId);
        const stopped = desired === 'stopped' ? [...others, companionId].sort() : others;
        const { stoppedCompanions: _before, ...rest } = app;
        return {
          ...state,
          apps: { ...state.apps, [appId]: stopped.length > 0 ? { ...rest, stoppedCompanions: stopped } : rest },
        };
      },
      () => {
        supervisor.send({ type: 'SET_DESIRED', appId: key, desired });
        if (desired === 'running') retry(key);
      },
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

    /** Refused while installed apps depend on it, unless `force` (they then wait for it). */
    async uninstall(appId: string, force = false): Promise<void> {
      requireInstalled(appId);
      const dependents = deps.dependents(appId);
      if (dependents.length > 0 && !force)
        throw new PodwardenError(
          `${appId} is needed by ${dependents.join(', ')}: uninstall ${dependents.length > 1 ? 'them' : 'it'} first, or force it (they then wait for ${appId})`,
          'has-dependents',
        );
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

    /**
     * The machine restarts the app (app.machine.ts RESTART): desired.json says `running` and
     * stays so, so a crash mid-restart leaves the app to be started again, never stopped for
     * good. An app that should not run is started, which desired.json must hold first.
     */
    async restartApp(appId: string): Promise<void> {
      const supervisor = deps.supervisor();
      if (isCompanionKey(appId)) {
        const { appId: owner, companionId } = requireCompanion(appId, 'restart');
        if (supervisor.getSnapshot().context.companionBackend === 'systemd')
          throw new PodwardenError(
            `cannot restart "${appId}" alone: systemd runs it (the systemd companion backend); stop and start it, or restart ${owner}`,
            'invalid',
          );
        // A companion that should not run (the owner stopped it, or its app) is started, as an app would be.
        const wanted = deps.desired().apps[owner]!;
        if (wanted.desired !== 'running' || wanted.stoppedCompanions?.includes(companionId))
          return setDesired(appId, 'restart', 'running');
      } else {
        requireInstalled(appId);
        if (deps.desired().apps[appId]?.desired !== 'running') return setDesired(appId, 'restart', 'running');
      }
      // No machine to tell: the manifest is refused, or the recovery gate is still closed.
      if (!supervisor.getSnapshot().context.refs[appId]) {
        const owner = ownerOfKey(appId);
        const why = deps.declared(owner) === undefined ? deps.manifestProblem(owner) : 'podwarden is still recovering';
        throw new PodwardenError(`cannot restart "${appId}": ${why}`, 'invalid');
      }
      await note(appId, 'restart', 'applied');
      supervisor.send({ type: 'RESTART', appId });
    },

    /**
     * The app takes the manifest the catalog has for it now, as an update (machines/update.ts),
     * even a version an earlier update rolled back. Nothing to do when it runs that manifest.
     */
    async update(appId: string): Promise<void> {
      machineFor(appId, 'update');
      const asked = deps.declared(appId)!;
      // The registry is asked first (bounded: it never stalls the command for long); the manifest may have changed meanwhile.
      const newDigest = await deps.newDigest?.(asked.spec);
      const supervisor = machineFor(appId, 'update');
      const app = deps.declared(appId)!;
      const digest = newDigest && app.spec.specHash === asked.spec.specHash ? newDigest : undefined;
      await note(appId, 'update', 'applied', digest ? { note: `the registry serves a new image: ${digest.to}` } : {});
      const spec = digest ? { ...app.spec, image: { ...app.spec.image, newDigest: digest } } : app.spec;
      supervisor.send({ type: 'INSTALL', appId, app: { ...app, spec }, retry: true });
    },

    /** Back to the version before the app's last update, its data from that update's snapshot. */
    async rollback(appId: string): Promise<void> {
      const supervisor = machineFor(appId, 'rollback');
      const row = deps.statusOf(appId);
      if (row?.update)
        throw new PodwardenError(
          `cannot roll back "${appId}": its update ${row.update.from} → ${row.update.to} is under way (${row.update.phase})`,
          'invalid',
        );
      if (row?.lastUpdate?.result !== 'updated')
        throw new PodwardenError(`cannot roll back "${appId}": it has no update to go back from`, 'invalid');
      await note(appId, 'rollback', 'applied');
      supervisor.send({ type: 'ROLLBACK', appId });
    },
  };

  /** The supervisor, once the installed app has a machine to tell (its manifest is in force, recovery is over). */
  function machineFor(appId: string, command: string): Supervisor {
    requireInstalled(appId);
    const supervisor = deps.supervisor();
    if (deps.declared(appId) === undefined || !supervisor.getSnapshot().context.refs[appId]) {
      const why = deps.declared(appId) === undefined ? deps.manifestProblem(appId) : 'podwarden is still recovering';
      throw new PodwardenError(`cannot ${command} "${appId}": ${why}`, 'invalid');
    }
    return supervisor;
  }
}
