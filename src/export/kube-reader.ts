/**
 * Reading an untrusted Kubernetes object field by field: every key must be one the importer
 * knows, every value of the expected kind, or an ImportRefusal names the field (its path in the
 * document, as kubectl writes it) and says why it does not map.
 */

export class ImportRefusal extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
    this.name = 'ImportRefusal';
  }
}

export type Plain = Record<string, unknown>;

export function isPlain(value: unknown): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The object at `field`, refusing keys outside `known` (each named with its path). */
export function objectAt(value: unknown, field: string, known: readonly string[]): Plain {
  if (!isPlain(value)) throw new ImportRefusal(field, 'expected a mapping');
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) throw new ImportRefusal(`${field}.${key}`, 'has no podwarden equivalent');
  }
  return value;
}

export function listAt(value: unknown, field: string): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new ImportRefusal(field, 'expected a list');
  return value;
}

export function stringAt(value: unknown, field: string): string {
  if (typeof value !== 'string') throw new ImportRefusal(field, 'expected a string');
  return value;
}

export function numberAt(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new ImportRefusal(field, 'expected a number');
  return value;
}

export function stringListAt(value: unknown, field: string): string[] {
  return listAt(value, field).map((item, i) => stringAt(item, `${field}[${i}]`));
}

/** A Kubernetes quantity as a number: bytes for memory ("256Mi", "1G"), cores for cpu ("500m"). */
export function quantityAt(value: unknown, field: string): number {
  const text = typeof value === 'number' ? String(value) : stringAt(value, field);
  const match = /^(\d+(?:\.\d+)?)(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(text);
  if (!match) throw new ImportRefusal(field, `"${text}" is not a quantity podwarden reads (e.g. 256Mi, 500m)`);
  const factor: Record<string, number> = {
    m: 0.001,
    Ki: 1024,
    Mi: 1024 ** 2,
    Gi: 1024 ** 3,
    Ti: 1024 ** 4,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
  };
  return Number(match[1]) * (match[2] ? factor[match[2]]! : 1);
}
