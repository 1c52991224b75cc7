import { readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { findCycles } from '../../machines/binding.js';
import { admitManifest, type Admission } from '../policy/admit.js';
import type { Grant } from '../policy/check-policy.js';
import { NO_POLICY } from '../policy/policy-types.js';
import { canonicalJson, sha256Hex } from './canonical-json.js';
import { fsReason, readCatalogFile } from './catalog-file.js';
import { ManifestError } from './errors.js';
import { resolveIdentities, type Claimant } from './identity.js';
import { DEFAULT_MANIFEST_MAX_BYTES } from './limits.js';
import { sharedManifestParser, type ManifestParser } from './manifest-parser.js';
import type { AppManifest } from './schema.js';

export interface CatalogEntry {
  manifest: AppManifest;
  /** The manifest's path, as `loadCatalog` was given the directory (relative stays relative). */
  file: string;
  /** sha256 of the normalised manifest: changes exactly when the manifest means something new. */
  hash: string;
  /** Host rights the owner's policy gave this app's containers (none for most apps). */
  grants: Grant[];
}

export interface Catalog {
  apps: Map<string, CatalogEntry>;
  errors: ManifestError[];
  /** Per app id, the errors of the files that claim it: why an app the owner asks for is not there. */
  problems: Map<string, ManifestError[]>;
}

export interface CatalogOptions {
  /** Where manifests are parsed; by default the process's parser thread. */
  parser?: ManifestParser;
  /** Files larger than this are refused unread; default 256 KiB. */
  maxBytes?: number;
  /** The owner's host policy and the paths no policy opens; without them, nothing that reaches the host is allowed. */
  admission?: Admission;
  /** Installed apps and the file name (in the catalog) each was installed from. */
  bindings?: ReadonlyMap<string, string>;
}

export function emptyCatalog(): Catalog {
  return { apps: new Map(), errors: [], problems: new Map() };
}

const MANIFEST_EXTENSIONS = new Set(['.yml', '.yaml']);

/**
 * Loads every *.yml / *.yaml file of `dir` (not subfolders; dotfiles such as editor backups are
 * skipped), in name order. A bad file lands in `errors` and never stops the others; a missing
 * or unreadable directory is one error, not a throw, so the daemon can still report it. Files
 * are read one at a time and parsed on the parser thread, so a large catalog keeps the event
 * loop free; each manifest must then keep its paths inside the catalog, get every host right it
 * asks for from the policy, and be the file its app is bound to.
 */
export async function loadCatalog(dir: string, options: CatalogOptions = {}): Promise<Catalog> {
  const catalog = emptyCatalog();
  const fail = (message: string) => {
    catalog.errors.push(new ManifestError({ file: dir, path: '', message }));
    return catalog;
  };

  let names: string[];
  let root: string;
  try {
    const info = await stat(dir);
    if (!info.isDirectory()) return fail('the catalog is not a directory');
    names = await readdir(dir);
    root = await realpath(dir);
  } catch (err) {
    return fail(`cannot read the catalog directory: ${fsReason(err)}`);
  }

  const parser = options.parser ?? sharedManifestParser();
  const maxBytes = options.maxBytes ?? DEFAULT_MANIFEST_MAX_BYTES;
  const claimants: Claimant<CatalogEntry>[] = [];
  const refused = new Map<string, ManifestError[]>();
  const candidates = names
    .filter((name) => !name.startsWith('.') && MANIFEST_EXTENSIONS.has(path.extname(name).toLowerCase()))
    .sort();
  for (const name of candidates) {
    const file = path.join(dir, name);
    const read = await readCatalogFile(root, file, maxBytes);
    if (read === undefined) continue;
    if ('error' in read) {
      catalog.errors.push(read.error);
      continue;
    }
    const parsed = await parser.parse(read.bytes, file, maxBytes);
    if ('errors' in parsed) {
      catalog.errors.push(...parsed.errors);
      if (parsed.claimedId !== undefined) claimants.push({ name, file, appId: parsed.claimedId });
      refused.set(file, parsed.errors);
      continue;
    }
    const { manifest } = parsed;
    const verdict = await admitManifest(
      manifest,
      file,
      dir,
      options.admission ?? { policy: NO_POLICY, protectedPaths: [] },
    );
    const errors = verdict.errors;
    if (errors.length > 0) {
      catalog.errors.push(...errors);
      claimants.push({ name, file, appId: manifest.id });
      refused.set(file, errors);
      continue;
    }
    claimants.push({
      name,
      file,
      appId: manifest.id,
      value: { manifest, file, hash: manifestHash(manifest), grants: verdict.grants },
    });
  }

  const identities = resolveIdentities(dir, claimants, options.bindings ?? new Map(), new Set(candidates));
  catalog.errors.push(...identities.errors);
  // In name order, as the files are read; the order never decides which file speaks for an app.
  for (const claimant of claimants) {
    if (identities.chosen.get(claimant.appId) === claimant) catalog.apps.set(claimant.appId, claimant.value!);
  }
  for (const claimant of claimants) {
    const problems = [
      ...(refused.get(claimant.file) ?? []),
      ...identities.errors.filter((error) => error.file === claimant.file),
    ];
    if (problems.length > 0)
      catalog.problems.set(claimant.appId, [...(catalog.problems.get(claimant.appId) ?? []), ...problems]);
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
      const error = new ManifestError({
        file: entry.file,
        path: `app.dependsOn[${entry.manifest.dependsOn.indexOf(next)}]`,
        message: `dependency cycle ${cycle.join(' → ')} (${files.join(', ')}): none of these apps could ever start`,
      });
      catalog.errors.push(error);
      catalog.problems.set(id, [...(catalog.problems.get(id) ?? []), error]);
    }
  }
  for (const id of rejected) catalog.apps.delete(id);
}

export function manifestHash(manifest: AppManifest): string {
  return sha256Hex(canonicalJson(manifest));
}
