import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { findCycles } from '../../machines/binding.js';
import { canonicalJson, sha256Hex } from './canonical-json.js';
import { describeValue, issuesToErrors, ManifestError, type Locate } from './errors.js';
import { knownManifestKeys, manifestFileSchema, type AppManifest } from './schema.js';

export interface CatalogEntry {
  manifest: AppManifest;
  /** The manifest's path, as `loadCatalog` was given the directory (relative stays relative). */
  file: string;
  /** sha256 of the normalised manifest: changes exactly when the manifest means something new. */
  hash: string;
}

export interface Catalog {
  apps: Map<string, CatalogEntry>;
  errors: ManifestError[];
}

export type ParseResult = { manifest: AppManifest } | { errors: ManifestError[] };

const MANIFEST_EXTENSIONS = new Set(['.yml', '.yaml']);

/**
 * Loads every *.yml / *.yaml file of `dir` (not subfolders; dotfiles such as editor backups are
 * skipped), in name order. A bad file lands in `errors` and never stops the others; a missing
 * or unreadable directory is one error, not a throw, so the daemon can still report it.
 */
export async function loadCatalog(dir: string): Promise<Catalog> {
  const catalog: Catalog = { apps: new Map(), errors: [] };

  let names: string[];
  try {
    const info = await stat(dir);
    if (!info.isDirectory()) {
      catalog.errors.push(new ManifestError({ file: dir, path: '', message: 'the catalog is not a directory' }));
      return catalog;
    }
    names = await readdir(dir);
  } catch (err) {
    catalog.errors.push(new ManifestError({ file: dir, path: '', message: `cannot read the catalog directory: ${fsReason(err)}` }));
    return catalog;
  }

  const candidates = names
    .filter((name) => !name.startsWith('.') && MANIFEST_EXTENSIONS.has(path.extname(name).toLowerCase()))
    .sort();

  const loaded = await Promise.all(
    candidates.map(async (name): Promise<{ file: string; text: string } | { error: ManifestError } | undefined> => {
      const file = path.join(dir, name);
      try {
        if (!(await stat(file)).isFile()) return undefined;
        return { file, text: await readFile(file, 'utf8') };
      } catch (err) {
        return { error: new ManifestError({ file, path: '', message: `cannot read: ${fsReason(err)}` }) };
      }
    }),
  );

  for (const item of loaded) {
    if (item === undefined) continue;
    if ('error' in item) {
      catalog.errors.push(item.error);
      continue;
    }
    const result = parseManifest(item.text, item.file);
    if ('errors' in result) {
      catalog.errors.push(...result.errors);
      continue;
    }
    const { manifest } = result;
    const first = catalog.apps.get(manifest.id);
    if (first !== undefined) {
      catalog.errors.push(
        new ManifestError({
          file: item.file,
          path: 'app.id',
          message: `duplicate app id "${manifest.id}": ${first.file} already defines it`,
        }),
      );
      continue;
    }
    catalog.apps.set(manifest.id, { manifest, file: item.file, hash: manifestHash(manifest) });
  }
  rejectDependencyCycles(catalog);
  return catalog;
}

/**
 * Apps that depend on each other in a circle could never start: every app on a cycle is left
 * out of the catalog, with an error naming the whole cycle and its files. A dependency on an
 * app the catalog does not have is no error: that app may be added later, and until then the
 * dependent waits, saying for what.
 */
function rejectDependencyCycles(catalog: Catalog): void {
  const graph = new Map([...catalog.apps].map(([id, entry]) => [id, entry.manifest.dependsOn] as const));
  const rejected = new Set<string>();
  for (const cycle of findCycles(graph)) {
    const files = cycle.slice(0, -1).map((id) => catalog.apps.get(id)!.file);
    for (const [i, id] of cycle.slice(0, -1).entries()) {
      if (rejected.has(id)) continue;
      rejected.add(id);
      const entry = catalog.apps.get(id)!;
      const next = cycle[i + 1]!;
      catalog.errors.push(
        new ManifestError({
          file: entry.file,
          path: `app.dependsOn[${entry.manifest.dependsOn.indexOf(next)}]`,
          message: `dependency cycle ${cycle.join(' → ')} (${files.join(', ')}): none of these apps could ever start`,
        }),
      );
    }
  }
  for (const id of rejected) catalog.apps.delete(id);
}

export function manifestHash(manifest: AppManifest): string {
  return sha256Hex(canonicalJson(manifest));
}

/**
 * Parses one manifest file's text. `file` names the file in errors and anchors relative build
 * contexts. Never throws for bad input: every problem comes back as a ManifestError.
 */
export function parseManifest(text: string, file: string): ParseResult {
  const lineCounter = new LineCounter();
  // uniqueKeys: a key written twice is a mistake, not "the last one wins".
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      errors: doc.errors.map((error) => {
        // An error found at the very end (an unclosed quote or bracket) points at the last
        // written line rather than the empty one after it.
        const end = text.trimEnd().length;
        const offset = end > 0 && error.pos[0] >= end ? end - 1 : error.pos[0];
        const { line, col } = lineCounter.linePos(offset);
        return new ManifestError({ file, path: '', message: firstLine(error.message), line, column: col });
      }),
    };
  }
  if (doc.contents === null) {
    return { errors: [new ManifestError({ file, path: '', message: 'the file is empty; a manifest starts with "app:"' })] };
  }

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    return { errors: [new ManifestError({ file, path: '', message: `cannot read the YAML: ${(err as Error).message}` })] };
  }
  keepNumberSpelling(doc, text, data);

  const result = manifestFileSchema(path.dirname(file)).safeParse(data, { reportInput: true });
  if (!result.success) {
    return {
      errors: issuesToErrors(file, result.error.issues, {
        locate: locator(doc, lineCounter),
        knownKeys: knownManifestKeys,
      }),
    };
  }
  return { manifest: result.data.app };
}

/**
 * YAML reads `version: 0.10` as the number 0.1 and `KEY: 1.50` as 1.5. Where podwarden wants
 * text, it takes the number as it was written instead of what JavaScript makes of it.
 */
function keepNumberSpelling(doc: Document, text: string, data: unknown): void {
  const app = asRecord(asRecord(data)?.app);
  if (app === undefined) return;
  const spelling = (node: unknown): string | undefined =>
    isScalar(node) && typeof node.value === 'number' && node.range ? text.slice(node.range[0], node.range[1]) : undefined;

  const version = spelling(doc.getIn(['app', 'version'], true));
  if (version !== undefined) app.version = version;

  const env = asRecord(asRecord(app.container)?.env);
  const envNode = doc.getIn(['app', 'container', 'env'], true);
  if (env === undefined || !isMap(envNode)) return;
  for (const pair of envNode.items) {
    const key = isScalar(pair.key) ? pair.key.value : undefined;
    const value = spelling(pair.value);
    if (typeof key === 'string' && value !== undefined && key in env) env[key] = value;
  }
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** Finds the line of a field path; a missing field points at the mapping that lacks it. */
function locator(doc: Document, lineCounter: LineCounter): Locate {
  return (fieldPath) => {
    let node: Node | null | undefined = doc.contents as Node | null;
    let position = node?.range?.[0];
    for (const [i, segment] of fieldPath.entries()) {
      if (isMap(node)) {
        const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
        if (pair === undefined) break;
        // The field's own key is the most useful place to point at; its value may start lines later.
        position = (isScalar(pair.key) ? pair.key.range?.[0] : undefined) ?? position;
        if (i === fieldPath.length - 1) break;
        node = pair.value as Node | null;
        if (node?.range) position = node.range[0];
      } else if (isSeq(node) && typeof segment === 'number') {
        node = node.items[segment] as Node | undefined;
        if (node?.range) position = node.range[0];
        else break;
      } else {
        break;
      }
    }
    if (position === undefined) return undefined;
    const { line, col } = lineCounter.linePos(position);
    return { line, column: col };
  };
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.replace(/:$/, '');
}

function fsReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'it does not exist';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    case 'EISDIR':
      return 'it is a directory';
    default:
      return err instanceof Error ? err.message : describeValue(err);
  }
}
