/**
 * Readers for raw engine JSON. Payloads from podman's Docker-compatible API (or Docker
 * itself) are taken as `unknown` and read field by field: the engine is outside our control,
 * and a missing or oddly typed field must degrade to `unknown`/`undefined`, never crash the
 * supervisor.
 */
export type Json = Record<string, unknown>;

export function record(value: unknown): Json | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function num(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) return Number(value.trim());
  return undefined;
}

export function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const rec = record(value);
  if (!rec) return out;
  for (const [key, v] of Object.entries(rec)) {
    if (typeof v === 'string') out[key] = v;
  }
  return out;
}
