import { join, resolve } from 'node:path';
import { LABELS } from '../domain/labels.js';
import type { ContainerSpec } from '../domain/container-spec.js';
import { loadCatalog } from '../manifest/catalog.js';
import { inlineManifestParser } from '../manifest/manifest-parser.js';
import { toContainerSpec, specHash } from '../manifest/container-spec.js';
import { NAMING_DEFAULTS } from '../domain/labels.js';

/**
 * What makes a recording portable and free of secrets, and a replay comparable with it:
 * - env values are replaced by placeholders (`redact`), keys stay;
 * - absolute paths under the catalog and data directories become `$CATALOG/…` and `$DATA/…`,
 *   so a replay in a temporary directory makes the same calls;
 * - spec-hash labels, which hash the env values and those paths, are replaced by the hash of the
 *   portable spec, which the replay can compute from the redacted catalog.
 */

export const CATALOG_ALIAS = '$CATALOG';
export const DATA_ALIAS = '$DATA';

export interface PathAlias {
  dir: string;
  alias: string;
}

export interface SessionDirs {
  catalogDir: string;
  /** The apps' data directory (the orchestrator's `dataDir`, `<stateDir>/apps` by default). */
  dataDir: string;
}

/** Longest first, so a data dir inside the catalog dir is matched as the data dir. */
export function pathAliases(dirs: SessionDirs): PathAlias[] {
  return [
    { dir: resolve(dirs.catalogDir), alias: CATALOG_ALIAS },
    { dir: resolve(dirs.dataDir), alias: DATA_ALIAS },
  ].sort((a, b) => b.dir.length - a.dir.length);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// A directory is replaced only where a path ends or goes on below it, never inside a longer name.
const PATH_END = String.raw`(?=$|[/\s'"\`:,;)\]}])`;

function replacer(pairs: Array<{ from: string; to: string }>): (text: string) => string {
  const patterns = pairs.map(({ from, to }) => ({ pattern: new RegExp(escapeRegExp(from) + PATH_END, 'g'), to }));
  return (text) => patterns.reduce((out, { pattern, to }) => out.replace(pattern, () => to), text);
}

/** Replaces the session's directories by their aliases anywhere in a string. */
export function aliasPaths(aliases: readonly PathAlias[]): (text: string) => string {
  return replacer(aliases.map(({ dir, alias }) => ({ from: dir, to: alias })));
}

/** Replaces aliases by this session's directories. */
export function unaliasPaths(aliases: readonly PathAlias[]): (text: string) => string {
  return replacer(aliases.map(({ dir, alias }) => ({ from: alias, to: dir })));
}

export interface ValueTransform {
  string: (text: string) => string;
  /** Applied to each value of an `env` map. */
  envValue: (value: string) => string;
  /** Applied to every spec-hash label value. */
  specHash: (hash: string) => string;
}

/**
 * A JSON-safe copy of `value` (functions and undefined fields dropped, as JSON.stringify does)
 * with the transform applied. Env values are transformed before any string rule sees them.
 */
export function transformValue(value: unknown, transform: ValueTransform): unknown {
  const plain: unknown = value === undefined ? undefined : JSON.parse(JSON.stringify(value));
  return walk(plain, transform);
}

function walk(value: unknown, transform: ValueTransform): unknown {
  if (typeof value === 'string') return transform.string(value);
  if (Array.isArray(value)) return value.map((item) => walk(item, transform));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (key === 'env' && item !== null && typeof item === 'object' && !Array.isArray(item)) {
      out[key] = Object.fromEntries(
        Object.entries(item).map(([name, text]) => [
          name,
          transform.envValue(typeof text === 'string' ? text : JSON.stringify(text)),
        ]),
      );
    } else if (key === LABELS.specHash && typeof item === 'string') {
      out[key] = transform.specHash(item);
    } else {
      out[key] = walk(item, transform);
    }
  }
  return out;
}

/**
 * The hash a spec has once made portable. Both sides compute it the same way: the recorder from
 * the real spec (redacting env values), the replay from the spec it builds out of the redacted
 * catalog (whose env values already are the placeholders), each with its own directories.
 */
export function portableSpecHash(
  spec: ContainerSpec,
  options: { aliases: readonly PathAlias[]; redact: (value: string) => string },
): string {
  const portable = transformValue(spec, {
    string: aliasPaths(options.aliases),
    envValue: options.redact,
    specHash: (hash) => hash,
  }) as ContainerSpec;
  return specHash(portable);
}

/**
 * Pairs of (hash on the engine, portable hash), learnt from the catalog and from every spec
 * podwarden creates. A hash nobody learnt (a container made from an older manifest) becomes an
 * opaque token when recorded, so equal hashes stay equal and nothing about the old spec leaks.
 */
export class SpecHashTable {
  private readonly toPortableMap = new Map<string, string>();
  private readonly fromPortableMap = new Map<string, string>();
  private readonly tokens = new Map<string, string>();

  /**
   * `unknown`: what `toPortable` makes of a hash it never learnt. The recorder hides it behind a
   * token; the replay keeps it, since its unknown values are the recording's tokens already.
   */
  constructor(
    private readonly portableHashOf: (spec: ContainerSpec) => string,
    private readonly unknown: 'token' | 'keep',
  ) {}

  learn(spec: ContainerSpec): void {
    const actual = spec.labels[LABELS.specHash];
    if (actual === undefined) return;
    const portable = this.portableHashOf(spec);
    this.toPortableMap.set(actual, portable);
    this.fromPortableMap.set(portable, actual);
  }

  toPortable(actual: string): string {
    const known = this.toPortableMap.get(actual) ?? this.tokens.get(actual);
    if (known !== undefined) return known;
    if (this.unknown === 'keep') return actual;
    const token = `unknown-${this.tokens.size + 1}`;
    this.tokens.set(actual, token);
    return token;
  }

  /** Unknown tokens stay as they are: they match no spec of the replay, as they matched none live. */
  fromPortable(portable: string): string {
    return this.fromPortableMap.get(portable) ?? portable;
  }
}

export interface SpecContext {
  instance: string;
  namePrefix: string;
  dataDir: string;
}

/**
 * The specs the orchestrator derives from the catalog, computed as it does (`specFor` in
 * src/orchestrator.ts: the app's data dir is `<dataDir>/<appId>`). Should the two ever differ,
 * a replay reports a divergence at the first create whose spec-hash label does not match.
 */
export async function catalogSpecs(catalogDir: string, context: SpecContext): Promise<ContainerSpec[]> {
  const catalog = await loadCatalog(catalogDir, { parser: inlineManifestParser });
  return [...catalog.apps.values()].map((entry) =>
    toContainerSpec(entry.manifest, {
      instance: context.instance,
      namePrefix: context.namePrefix,
      appDataDir: join(resolve(context.dataDir), entry.manifest.id),
    }),
  );
}

/** The orchestrator's defaults for what names and labels containers. */
export const ORCHESTRATOR_NAMING_DEFAULTS = NAMING_DEFAULTS;
