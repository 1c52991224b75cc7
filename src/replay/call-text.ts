import { canonicalJson } from '../manifest/canonical-json.js';

/** An engine call as a divergence message shows it: a create by its name, others by their arguments. */
export function describeCall(method: string, args: readonly unknown[]): string {
  if (method === 'create') {
    const spec = args[0] as { name?: unknown } | undefined;
    return `create(${JSON.stringify(spec?.name ?? null)})`;
  }
  const shown = [...args];
  while (shown.length > 0 && (shown.at(-1) === null || shown.at(-1) === undefined)) shown.pop();
  return `${method}(${truncate(shown.map((arg) => JSON.stringify(arg) ?? 'undefined').join(', '))})`;
}

/** Where two JSON values first differ, as `path: recorded X, replay Y`. */
export function firstDifference(recorded: unknown, replayed: unknown, path = 'args'): string | undefined {
  if (canonicalJson(recorded) === canonicalJson(replayed)) return undefined;
  const bothObjects =
    recorded !== null &&
    replayed !== null &&
    typeof recorded === 'object' &&
    typeof replayed === 'object' &&
    Array.isArray(recorded) === Array.isArray(replayed);
  if (bothObjects) {
    const keys = new Set([...Object.keys(recorded), ...Object.keys(replayed)]);
    for (const key of [...keys].sort()) {
      const sub = Array.isArray(recorded) ? `${path}[${key}]` : `${path}.${key}`;
      const found = firstDifference(
        (recorded as Record<string, unknown>)[key],
        (replayed as Record<string, unknown>)[key],
        sub,
      );
      if (found) return found;
    }
  }
  return `${path}: recorded ${truncate(JSON.stringify(recorded) ?? 'nothing', 120)}, replay ${truncate(JSON.stringify(replayed) ?? 'nothing', 120)}`;
}

function truncate(text: string, max = 200): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
