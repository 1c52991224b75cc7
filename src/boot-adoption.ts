import { basename } from 'node:path';
import type { Actor } from 'xstate';
import type { DeclaredApp, supervisorMachine } from '../machines/supervisor.machine.js';
import { byChild, type Snapshot } from '../machines/supervisor-context.js';
import { isCompanionKey } from '../machines/binding.js';
import type { Clock } from './domain/clock.js';
import type { ContainerObservation } from './domain/container-observation.js';
import type { Journal } from './journal/journal.js';
import type { Logger } from './log.js';
import type { DesiredState, DesiredStore } from './state/desired-store.js';
import { adoptionsFrom, type OwnerWord } from './state/owner-words.js';

export interface BootAdoptionDeps {
  store: DesiredStore;
  journal: Pick<Journal, 'append'> | undefined;
  logger: Logger;
  clock: Clock;
  /** The owner's last recorded word per app (from the journal). */
  words: ReadonlyMap<string, OwnerWord>;
  believe(next: DesiredState): void;
  supervisor(): Actor<typeof supervisorMachine>;
  /** The app as the supervisor gets it, once desired.json lists it; undefined without a manifest. */
  declared(appId: string): DeclaredApp | undefined;
  /** The catalog file that has the app's manifest, which the adopted app is bound to. */
  catalogFile(appId: string): string | undefined;
}

/**
 * What podwarden does at boot when desired.json is missing (a first start, or a lost file):
 * it rebuilds it from the evidence (the containers of this instance, the journal's owner
 * commands; see `adoptionsFrom`) instead of starting empty and pruning every container as an
 * orphan. Runs once, on boot recovery's list call (no extra engine call), before the gate
 * opens, so the adopted apps' machines start from what that list saw. The new desired.json is
 * written before anything is believed; a failed write fails recovery, which tries again.
 */
export async function adoptAtBoot(snapshot: Snapshot, deps: BootAdoptionDeps): Promise<void> {
  const appContainers = new Map<string, ContainerObservation>(
    [...byChild(snapshot.containers)].filter(([key]) => !isCompanionKey(key)),
  );
  const { adopt, pruned } = adoptionsFrom(appContainers, deps.words);
  const log = deps.logger;
  if (adopt.length === 0) {
    if (pruned.length === 0)
      log.info('no desired state yet (desired.json is missing) and nothing of this instance was found: a fresh node');
    else
      log.warn(
        { apps: pruned },
        `desired.json is missing; the journal says the owner uninstalled ${pruned.join(', ')}: their containers are removed`,
      );
    return;
  }
  const installedAt = new Date(snapshot.observedAt).toISOString();
  const bound = (appId: string) => {
    const file = deps.catalogFile(appId);
    return file === undefined ? {} : { manifestFile: basename(file) };
  };
  const next: DesiredState = {
    version: 1,
    apps: Object.fromEntries(
      adopt.map((app) => [app.appId, { desired: app.desired, installedAt, ...bound(app.appId) }]),
    ),
  };
  await deps.store.save(next);
  deps.believe(next);
  const supervisor = deps.supervisor();
  for (const app of adopt) {
    void deps.journal?.append({
      type: 'command',
      at: deps.clock.now(),
      appId: app.appId,
      command: 'adopt',
      outcome: 'applied',
      note: `desired.json was missing: ${app.evidence}`,
    });
    const declared = deps.declared(app.appId);
    if (declared) supervisor.send({ type: 'INSTALL', appId: app.appId, app: declared });
    else
      log.error(
        { app: app.appId },
        `adopted ${app.appId}, but the catalog has no manifest for it: its container is left alone until one is added (then SIGHUP)`,
      );
  }
  log.warn(
    { adopted: adopt.map(({ appId, desired }) => ({ appId, desired })), removed: pruned },
    `desired.json was missing: adopted ${adopt.map((app) => `${app.appId} (${app.desired}: ${app.evidence})`).join('; ')}` +
      `${pruned.length > 0 ? `; the journal says the owner uninstalled ${pruned.join(', ')}: their containers are removed` : ''}` +
      `; written to ${deps.store.file}`,
  );
}
