import type { Journal } from './journal/journal.js';
import type { OrphanGuard } from './orphan-guard.js';
import { PodwardenError } from './podwarden-error.js';
import { adoptionsFrom, lastOwnerWords } from './state/owner-words.js';

/**
 * The owner's `adopt`: apps whose containers podwarden leaves alone (no installed app claims
 * them, no uninstall on record) are installed as the evidence says they were wanted (running or
 * stopped): the ones named, or all. Resolves with the adopted app ids.
 */
export async function adoptLeftAlone(
  appIds: string[] | undefined,
  deps: {
    guard: OrphanGuard | undefined;
    journal: Journal | undefined;
    adopt(appId: string, desired: 'running' | 'stopped'): Promise<void>;
  },
): Promise<string[]> {
  const alone = [...(deps.guard?.leftAlone().values() ?? [])].filter((entry) => entry.companion === undefined);
  const wanted = appIds ?? alone.map((entry) => entry.appId);
  const records = deps.journal ? await deps.journal.read() : [];
  const containers = new Map(alone.map((entry) => [entry.appId, entry.container]));
  const { adopt } = adoptionsFrom(containers, lastOwnerWords(records));
  const chosen = wanted.map((appId) => {
    const found = adopt.find((entry) => entry.appId === appId);
    if (!found) throw new PodwardenError(`no container of app "${appId}" is left alone: nothing to adopt`, 'not-found');
    return found;
  });
  for (const { appId, desired } of chosen) await deps.adopt(appId, desired);
  return chosen.map(({ appId }) => appId);
}
