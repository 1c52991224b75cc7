import path from 'node:path';
import { ManifestError } from './errors.js';

/**
 * Which file speaks for which app. An installed app is bound to the file it was installed
 * from (desired state records its name in the catalog), so a file added later that claims the
 * same id is an error for that file alone and never changes the installed app, whatever the
 * names sort like; the owner moves an app to another file explicitly (`podwarden move`). An app
 * not installed whose id several files claim is ambiguous: none of them is used.
 */
export interface Claimant<T> {
  /** The file's name in the catalog (`bitcoind.yml`). */
  name: string;
  file: string;
  appId: string;
  /** The file's manifest, when it was read and admitted; undefined for a refused file. */
  value?: T;
}

export function resolveIdentities<T>(
  catalogDir: string,
  claimants: readonly Claimant<T>[],
  bindings: ReadonlyMap<string, string>,
  /** Every manifest file of the catalog, read or refused: a bound file not among them is missing. */
  names: ReadonlySet<string>,
): { chosen: Map<string, Claimant<T>>; errors: ManifestError[] } {
  const byId = new Map<string, Claimant<T>[]>();
  for (const claimant of claimants) byId.set(claimant.appId, [...(byId.get(claimant.appId) ?? []), claimant]);

  const chosen = new Map<string, Claimant<T>>();
  const errors: ManifestError[] = [];
  const refuse = (claimant: Claimant<T>, message: string) =>
    errors.push(new ManifestError({ file: claimant.file, path: 'app.id', message }));

  for (const [appId, all] of byId) {
    const bound = bindings.get(appId);
    if (bound !== undefined) {
      const boundFile = path.join(catalogDir, bound);
      const own = all.find((claimant) => claimant.name === bound);
      const state =
        own?.value !== undefined
          ? undefined
          : !names.has(bound)
            ? 'is missing'
            : claimants.some((claimant) => claimant.name === bound && claimant.appId !== appId)
              ? 'now defines another app'
              : 'is refused (see its errors)';
      for (const other of all) {
        if (other === own) continue;
        refuse(
          other,
          state === undefined
            ? `"${appId}" is installed from ${boundFile}; this file claims the same app and is ignored (to run ${appId} from this file instead: podwarden move ${appId} ${other.name})`
            : `"${appId}" is installed from ${boundFile}, which ${state}; this file does not take its place (podwarden move ${appId} ${other.name} does, if the owner wants it)`,
        );
      }
      if (own?.value !== undefined) chosen.set(appId, own);
      continue;
    }
    const usable = all.filter((claimant) => claimant.value !== undefined);
    if (all.length === 1 && usable.length === 1) {
      chosen.set(appId, usable[0]!);
      continue;
    }
    if (all.length === 1) continue;
    for (const claimant of all) {
      const others = all.filter((other) => other !== claimant).map((other) => other.file);
      refuse(
        claimant,
        `"${appId}" is also claimed by ${others.join(', ')}; while several files claim one app, none of them is used (keep one)`,
      );
    }
  }
  return { chosen, errors };
}
