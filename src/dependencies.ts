import { isCompanionKey, ownerOfKey } from '../machines/binding.js';
import type { Catalog } from './manifest/catalog.js';
import type { DesiredState } from './state/desired-store.js';

/**
 * What the owner's words and the catalog say of an app's dependencies, for commands that wait
 * and for an uninstall that would strand other apps. The machines wait on readiness
 * (binding.ts); these say when waiting cannot end, whatever happens.
 */

/**
 * Why the app (or companion, `<appId>/<companionId>`) cannot come up whatever happens: a
 * dependency (or one of its own) is not installed, stopped or refused; for a companion, its app
 * is stopped or cannot come up.
 */
export function dependencyBlocker(catalog: Catalog, desired: DesiredState, appId: string): string | undefined {
  if (isCompanionKey(appId)) {
    const owner = ownerOfKey(appId);
    if (desired.apps[owner]?.desired === 'stopped') return `its app ${owner} is stopped (podwarden start ${owner})`;
    const blocked = dependencyBlocker(catalog, desired, owner);
    return blocked && `its app ${owner} cannot come up: ${blocked}`;
  }
  const seen = new Set<string>([appId]);
  const queue = [...(catalog.apps.get(appId)?.manifest.dependsOn ?? [])];
  while (queue.length > 0) {
    const dependency = queue.shift()!;
    if (seen.has(dependency)) continue;
    seen.add(dependency);
    const wanted = desired.apps[dependency];
    if (!wanted) return `it needs ${dependency}, which is not installed`;
    if (wanted.desired === 'stopped') return `it needs ${dependency}, which is stopped (podwarden start ${dependency})`;
    const entry = catalog.apps.get(dependency);
    if (!entry) return `it needs ${dependency}, whose manifest is refused`;
    queue.push(...entry.manifest.dependsOn);
  }
  return undefined;
}

/** Installed apps whose manifest depends on `appId`, sorted. */
export function dependentsOf(catalog: Catalog, desired: DesiredState, appId: string): string[] {
  return Object.keys(desired.apps)
    .filter((other) => other !== appId && catalog.apps.get(other)?.manifest.dependsOn.includes(appId))
    .sort();
}
