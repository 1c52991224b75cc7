import { basename, dirname, join, resolve } from 'node:path';
import type { Logger } from './log.js';
import { loadCatalog, type Catalog } from './manifest/catalog.js';
import { manifestParserOn, type ManifestParser } from './manifest/manifest-parser.js';
import type { Reader } from './manifest/reader-thread.js';
import { grantText } from './policy/check-policy.js';
import { loadPolicy, PolicyError } from './policy/load-policy.js';
import { protectedPaths } from './policy/never-allowed.js';
import { NO_POLICY, type HostPolicy } from './policy/policy-types.js';
import { PodwardenError } from './podwarden-error.js';
import type { DesiredState } from './state/desired-store.js';

export interface CatalogKeeperOptions {
  catalogDir: string;
  stateDir: string;
  dataDir: string;
  secretsDir: string;
  /** The engine socket podwarden uses: no app may bind it. */
  socketPath?: string;
  /** The owner's host policy file; without one, nothing that reaches the host is allowed. */
  policyFile?: string;
  manifestMaxBytes?: number;
  manifestParser?: ManifestParser;
  /** Where the policy file (and, without `manifestParser`, each manifest) is checked; default the reader thread. */
  fileReader?: Reader;
  log: Logger;
}

/**
 * Reads the catalog for the orchestrator under the owner's rules: the host policy (read at
 * start, where a bad file stops podwarden, and again on each reload, where a bad file keeps the
 * rules it had), the paths no policy opens, and which file each installed app is bound to.
 * Says in the log what it refused and which rule allowed what.
 */
export function createCatalogKeeper(options: CatalogKeeperOptions) {
  let policy: HostPolicy = NO_POLICY;
  const protectedList = protectedPaths({
    ...options,
    ...(options.socketPath !== undefined ? { engineSocket: options.socketPath } : {}),
  });

  async function readPolicy(): Promise<void> {
    if (options.policyFile === undefined) return;
    policy = await loadPolicy(options.policyFile, {
      catalogDir: options.catalogDir,
      ...(options.fileReader ? { reader: options.fileReader } : {}),
    });
  }

  const parser = options.manifestParser ?? (options.fileReader ? manifestParserOn(options.fileReader) : undefined);

  /** The catalog as it is on disk, for these bindings (app id → file name). Nothing is logged. */
  function read(bindings: ReadonlyMap<string, string>): Promise<Catalog> {
    return loadCatalog(options.catalogDir, {
      bindings,
      admission: { policy, protectedPaths: protectedList },
      ...(parser ? { parser } : {}),
      ...(options.manifestMaxBytes !== undefined ? { maxBytes: options.manifestMaxBytes } : {}),
    });
  }

  /** Logs what a load refused, and the host rights it allowed with the rule for each. */
  function report(catalog: Catalog): void {
    for (const error of catalog.errors) options.log.error({ file: error.file, field: error.path }, String(error));
    for (const entry of catalog.apps.values()) {
      for (const grant of entry.grants) {
        options.log.info(
          { app: grant.container, rule: grant.rule, policy: grant.file },
          `${grant.container} may use ${grantText(grant)}`,
        );
      }
    }
  }

  return {
    /** At start: a policy file that cannot be used stops podwarden here (PolicyError). */
    async start(bindings: ReadonlyMap<string, string>): Promise<Catalog> {
      await readPolicy();
      const catalog = await read(bindings);
      report(catalog);
      return catalog;
    },

    /** On reload: the policy again (kept as it was when the file went bad, and said so), then the catalog. */
    async reload(bindings: ReadonlyMap<string, string>): Promise<Catalog> {
      try {
        await readPolicy();
      } catch (error) {
        if (!(error instanceof PolicyError)) throw error;
        options.log.error({ policy: options.policyFile }, `${error.message}; the rules read before stay in force`);
      }
      const catalog = await read(bindings);
      report(catalog);
      return catalog;
    },

    read,

    /**
     * The catalog as it would be with `appId` bound to `file` (its name in the catalog, or a
     * path in the catalog folder); refused with the reason unless that file holds a valid
     * manifest of `appId`.
     */
    async readMove(
      bindings: ReadonlyMap<string, string>,
      appId: string,
      file: string,
    ): Promise<{ catalog: Catalog; name: string }> {
      const name = basename(file);
      if (name !== file && resolve(dirname(file)) !== resolve(options.catalogDir)) {
        throw new PodwardenError(`cannot move "${appId}" to ${file}: it is not in the catalog ${options.catalogDir}`);
      }
      const catalog = await read(new Map(bindings).set(appId, name));
      const entry = catalog.apps.get(appId);
      if (!entry || basename(entry.file) !== name) {
        const problems = catalog.errors.filter((error) => basename(error.file) === name).map(String);
        const why =
          problems.length > 0
            ? problems.join('; ')
            : `${join(options.catalogDir, name)} holds no manifest of "${appId}"`;
        throw new PodwardenError(`cannot move "${appId}" to ${name}: ${why}`);
      }
      return { catalog, name };
    },
  };
}

/** An app of the catalog, installed or not. */
export interface CatalogApp {
  appId: string;
  name: string;
  version: string;
  image: string;
  file: string;
  installed: boolean;
  desired?: 'running' | 'stopped';
  /** Host rights the owner's policy gives it, each with its rule (`bind /mnt/x (read-write): apps.x.bind[0] in …`). */
  rights?: string[];
}

/** The catalog's apps, and whether each is installed. */
export function catalogApps(catalog: Catalog, desired: DesiredState): CatalogApp[] {
  return [...catalog.apps.values()].map((entry) => {
    const wanted = desired.apps[entry.manifest.id];
    return {
      appId: entry.manifest.id,
      name: entry.manifest.name,
      version: entry.manifest.version,
      image: entry.manifest.container.image,
      file: entry.file,
      installed: wanted !== undefined,
      ...(wanted ? { desired: wanted.desired } : {}),
      ...(entry.grants.length > 0
        ? { rights: entry.grants.map((grant) => `${grant.container} may use ${grantText(grant)}`) }
        : {}),
    };
  });
}

/** Installed apps and the catalog file each is bound to. */
export function bindingsOf(state: DesiredState): Map<string, string> {
  const bound = new Map<string, string>();
  for (const [appId, app] of Object.entries(state.apps))
    if (app.manifestFile !== undefined) bound.set(appId, app.manifestFile);
  return bound;
}

/**
 * Apps installed before podwarden recorded their file, bound to the one file that claims them
 * now; undefined when there is nothing to record.
 */
export function withRecordedFiles(state: DesiredState, catalog: Catalog): DesiredState | undefined {
  const unbound = Object.entries(state.apps).filter(
    ([appId, app]) => app.manifestFile === undefined && catalog.apps.has(appId),
  );
  if (unbound.length === 0) return undefined;
  const apps = { ...state.apps };
  for (const [appId, app] of unbound) apps[appId] = { ...app, manifestFile: basename(catalog.apps.get(appId)!.file) };
  return { ...state, apps };
}

/** Host rights one container (`bitcoind`, `bitcoind/ui`) was given, each with its rule. */
export function rightsOf(catalog: Catalog, appId: string, container = appId): string[] {
  return (catalog.apps.get(appId)?.grants ?? []).filter((grant) => grant.container === container).map(grantText);
}

/** Why `appId` is not in the catalog, in words: its files' errors, or that no file has it. */
export function catalogProblem(catalog: Catalog, appId: string, catalogDir: string): string {
  const errors = catalog.problems.get(appId) ?? [];
  if (errors.length > 0) return errors.map(String).join('; ');
  return `no manifest for "${appId}" in ${catalogDir}`;
}
