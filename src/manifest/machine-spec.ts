import { dirname, join } from 'node:path';
import { companionKey } from '../../machines/binding.js';
import type { AppProbes, AppSpec } from '../../machines/types.js';
import { DEFAULT_UPDATE_POLICY } from './default-update-policy.js';
import { LABELS } from '../domain/labels.js';
import type { ContainerSpec } from '../domain/container-spec.js';
import { appProbes } from './app-probes.js';
import type { CatalogEntry } from './catalog.js';
import { toCompanionContainerSpec, toContainerSpec } from './container-spec.js';
import type { AppContainer, AppManifest } from './schema.js';

export interface SpecBuilderOptions {
  instance: string;
  namePrefix: string;
  /** Apps' data dirs live below it, one per app id. */
  dataDir: string;
  /** Where manifests' values files are (apart from the catalog, which all may read). */
  secretsDir: string;
  /**
   * Who runs images' HEALTHCHECKs (asked when a spec is built: the engine is known only once
   * podwarden has started): podwarden runs one as the app's liveness probe only where the
   * engine does not. Default `podwarden`.
   */
  imageHealthchecksBy?: () => 'podwarden' | 'engine';
}

/**
 * Turns catalog entries into the specs the app machines run: one for the app, one per
 * companion (a companion is run exactly like an app).
 */
export function createSpecBuilder({
  instance,
  namePrefix,
  dataDir,
  secretsDir,
  imageHealthchecksBy,
}: SpecBuilderOptions) {
  /** What a machine spec takes from a manifest beyond the container: rendered files, disk needs. */
  interface SpecExtras {
    manifestFile: string;
    files?: AppManifest['files'];
    values?: string;
    diskBytes?: number;
    probes?: AppProbes;
    imageHealthcheck?: boolean;
    ignoreEngineHealth?: boolean;
  }

  /** An app's or a companion's machine spec: a companion is run exactly like an app. */
  function machineSpec(
    key: string,
    manifest: AppContainer,
    container: ContainerSpec,
    appDataDir: string,
    extras: SpecExtras,
  ): AppSpec {
    const { build, pullFallback } = manifest;
    const { files, values, diskBytes, probes, imageHealthcheck, ignoreEngineHealth } = extras;
    return {
      appId: key,
      container,
      image: {
        ref: container.image,
        pullPolicy: manifest.pullPolicy,
        // The schema already made the context absolute (relative to the manifest's folder).
        ...(build
          ? {
              build: { context: build.context, containerfile: build.containerfile, root: dirname(extras.manifestFile) },
            }
          : {}),
        ...(pullFallback ? { pullFallback } : {}),
        ...(diskBytes !== undefined ? { diskBytes } : {}),
      },
      ...(files && files.length > 0
        ? {
            render: {
              manifestFile: extras.manifestFile,
              dataDir: appDataDir,
              files,
              // Secrets live apart from the catalog, which is shipped and readable by all.
              ...(values !== undefined ? { valuesFile: join(secretsDir, values) } : {}),
            },
          }
        : {}),
      specHash: container.labels[LABELS.specHash] ?? '',
      ...(probes ? { probes } : {}),
      ...(imageHealthcheck ? { imageHealthcheck } : {}),
      ...(ignoreEngineHealth ? { ignoreEngineHealth } : {}),
      directories: container.mounts.filter((mount) => mount.source.startsWith(appDataDir)).map((mount) => mount.source),
    };
  }

  function specFor(entry: CatalogEntry): AppSpec {
    const id = entry.manifest.id;
    const appDataDir = join(dataDir, id);
    const container = toContainerSpec(entry.manifest, { instance, namePrefix, appDataDir });
    const { files, values, requirements } = entry.manifest;
    const probes = appProbes(entry.manifest);
    const heedsImageHealthcheck = entry.manifest.probes?.imageHealthcheck ?? true;
    const spec = machineSpec(id, entry.manifest.container, container, appDataDir, {
      manifestFile: entry.file,
      ...(probes ? { probes } : {}),
      // Apps only: a companion has no probes section to turn it off with (where the engine runs
      // health checks, a companion's unhealthy verdict is acted on like an app's).
      imageHealthcheck: heedsImageHealthcheck && (imageHealthchecksBy?.() ?? 'podwarden') === 'podwarden',
      ignoreEngineHealth: !heedsImageHealthcheck,
      ...(files !== undefined ? { files } : {}),
      ...(values !== undefined ? { values } : {}),
      ...(requirements?.diskBytes !== undefined ? { diskBytes: requirements.diskBytes } : {}),
    });
    // Apps only: a companion is replaced with its app's manifest, plainly.
    return {
      ...spec,
      version: entry.manifest.version,
      update: entry.manifest.update ?? DEFAULT_UPDATE_POLICY,
      // Only an app that keeps something there has data an update could need back.
      ...((spec.directories?.length ?? 0) > 0 || spec.render ? { dataDir: appDataDir } : {}),
    };
  }

  function companionSpecs(entry: CatalogEntry): Record<string, AppSpec> {
    const { manifest } = entry;
    const appDataDir = join(dataDir, manifest.id);
    const specs: Record<string, AppSpec> = {};
    for (const companion of manifest.companions) {
      const container = toCompanionContainerSpec(manifest, companion, { instance, namePrefix, appDataDir });
      specs[companion.id] = machineSpec(
        companionKey(manifest.id, companion.id),
        companion.container,
        container,
        appDataDir,
        {
          manifestFile: entry.file,
          ...(companion.files !== undefined ? { files: companion.files } : {}),
          ...(companion.values !== undefined ? { values: companion.values } : {}),
        },
      );
    }
    return specs;
  }

  return { app: specFor, companions: companionSpecs };
}
