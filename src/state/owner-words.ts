import type { ContainerObservation } from '../domain/container-observation.js';
import type { JournalRecord } from '../journal/records.js';
import { clock } from '../explain/clock.js';

/** What the owner last asked for an app, as the journal recorded it. */
export interface OwnerWord {
  desired: 'running' | 'stopped' | 'absent';
  command: string;
  at: number;
}

const COMMAND_DESIRED: Record<string, OwnerWord['desired']> = {
  install: 'running',
  adopt: 'running',
  start: 'running',
  restart: 'running',
  stop: 'stopped',
  uninstall: 'absent',
};

/**
 * Pure: the owner's last word per app, from the commands the journal holds (oldest first).
 * Refused commands changed nothing and are skipped; records of older podwardens carry no
 * outcome and are taken as applied (the best evidence there is).
 */
export function lastOwnerWords(records: readonly JournalRecord[]): Map<string, OwnerWord> {
  const words = new Map<string, OwnerWord>();
  for (const record of records) {
    // A companion's word (`bitcoind/ui`) is not an app's: adoption rebuilds apps only.
    if (record.type !== 'command' || record.outcome === 'refused' || record.appId.includes('/')) continue;
    const desired = COMMAND_DESIRED[record.command];
    if (desired) words.set(record.appId, { desired, command: record.command, at: record.at });
  }
  return words;
}

/** An app podwarden takes as installed without desired.json saying so, and why. */
export interface Adoption {
  appId: string;
  desired: 'running' | 'stopped';
  /** In words, for the log and `explain`: which evidence says it is installed and how it is wanted. */
  evidence: string;
}

/**
 * Pure: what a missing desired.json is rebuilt from. Every app with a container of this
 * instance (`containers`: app containers by app id) or an install the journal recorded is
 * adopted, unless the owner's last recorded word was to uninstall it (then it is `pruned`:
 * the owner said so). How it is wanted: the owner's last recorded word; without one, running
 * if its container runs, otherwise stopped (starting what the owner may have stopped on
 * purpose is worse than waiting for a `podwarden start`).
 */
export function adoptionsFrom(
  containers: ReadonlyMap<string, ContainerObservation>,
  words: ReadonlyMap<string, OwnerWord>,
): { adopt: Adoption[]; pruned: string[] } {
  const adopt: Adoption[] = [];
  const pruned: string[] = [];
  const appIds = new Set([
    ...containers.keys(),
    ...[...words].filter(([, word]) => word.desired !== 'absent').map(([appId]) => appId),
  ]);
  for (const appId of [...appIds].sort()) {
    const container = containers.get(appId);
    const word = words.get(appId);
    const seen = container ? `its container ${container.name} is ${container.status}` : 'it has no container yet';
    if (word?.desired === 'absent') {
      pruned.push(appId);
    } else if (word) {
      adopt.push({
        appId,
        desired: word.desired,
        evidence: `the journal's last owner command was ${word.command} at ${clock(word.at)} UTC; ${seen}`,
      });
    } else if (container) {
      const desired = container.status === 'running' ? 'running' : 'stopped';
      const why =
        desired === 'running' ? '' : "; kept stopped, as nothing recorded the owner's wish (podwarden start runs it)";
      adopt.push({ appId, desired, evidence: `its labels name it; ${seen}${why}` });
    }
  }
  return { adopt, pruned };
}
