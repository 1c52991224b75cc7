/**
 * The order of status and plan rows: by app id, then companion (the app's own row first).
 * Code-unit order, not `localeCompare`: ids are ASCII, the order must not depend on the
 * locale the daemon runs in, and a collator loads ~2 MiB of ICU data the daemon keeps.
 */
export function byAppThenCompanion(
  a: { appId: string; companion?: string },
  b: { appId: string; companion?: string },
): number {
  return ordinal(a.appId, b.appId) || ordinal(a.companion ?? '', b.companion ?? '');
}

export function ordinal(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
