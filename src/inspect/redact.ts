import { REDACTED_PATHS } from '../log.js';

/** The same keys the logger blanks out (container env, anything that looks like a credential). */
const SECRET_KEYS = new Set(REDACTED_PATHS.map((path) => path.split('.').at(-1)!));

const MAX_DEPTH = 12;

function isPlain(value: object): boolean {
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

/**
 * A copy of `value` with secret-looking keys replaced by `[redacted]`, at any depth. Only plain
 * objects and arrays are copied: class instances (actor refs, errors) are kept as they are, so
 * live machine state is never walked deeply nor changed.
 */
export function redactSecrets<T>(value: T, depth = 0): T {
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH) return value;
  if (Array.isArray(value)) return value.map((item: unknown) => redactSecrets(item, depth + 1)) as T;
  if (!isPlain(value)) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    copy[key] = SECRET_KEYS.has(key) ? '[redacted]' : redactSecrets(item, depth + 1);
  }
  return copy as T;
}
