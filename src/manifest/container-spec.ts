import path from 'node:path';
import type { ContainerSpec, Mount } from '../domain/container-spec.js';
import { LABELS } from '../domain/labels.js';
import { canonicalJson, sha256Hex } from './canonical-json.js';
import type { VolumeMount } from './field-formats.js';
import type { AppContainer, AppManifest, CompanionManifest } from './schema.js';

export interface ContainerSpecContext {
  /** The podwarden instance name: the owner label, so instances never touch each other's containers. */
  instance: string;
  /** Prepended to container and named-volume names, e.g. "podwarden-". */
  namePrefix: string;
  /** This app's own data directory; "./x" volumes live under it. Made absolute if relative. */
  appDataDir: string;
}

/**
 * The container podwarden runs for `manifest`. Deterministic: the same manifest and context give
 * the same spec, and so the same spec-hash label, on every run and every machine.
 */
/** What `podman stop` waits for a TERM to work before it kills, when the manifest does not say. */
export const DEFAULT_STOP_TIMEOUT_SECONDS = 10;

export function toContainerSpec(manifest: AppManifest, ctx: ContainerSpecContext): ContainerSpec {
  return buildContainerSpec(
    manifest.id,
    manifest.container,
    `${ctx.namePrefix}${manifest.id}`,
    { [LABELS.role]: 'app' },
    ctx,
  );
}

/**
 * The container of one of the app's companions: the same fields mean the same things (its
 * `./x` volumes and named volumes are the app's, so a UI can read the app's data), named
 * `<prefix><appId>-<companionId>` and labelled as the app's companion.
 */
export function toCompanionContainerSpec(
  manifest: AppManifest,
  companion: CompanionManifest,
  ctx: ContainerSpecContext,
): ContainerSpec {
  return buildContainerSpec(
    manifest.id,
    companion.container,
    `${ctx.namePrefix}${manifest.id}-${companion.id}`,
    { [LABELS.role]: 'companion', [LABELS.companion]: companion.id },
    ctx,
  );
}

function buildContainerSpec(
  appId: string,
  container: AppContainer,
  name: string,
  roleLabels: Record<string, string>,
  ctx: ContainerSpecContext,
): ContainerSpec {
  const appDataDir = path.resolve(ctx.appDataDir);
  const spec: ContainerSpec = {
    name,
    image: container.image,
    ...(container.command !== undefined ? { command: [...container.command] } : {}),
    ...(container.entrypoint !== undefined ? { entrypoint: [...container.entrypoint] } : {}),
    env: { ...container.env },
    labels: {
      [LABELS.owner]: ctx.instance,
      [LABELS.app]: appId,
      ...roleLabels,
    },
    ports: container.ports.map((port) => ({ ...port })),
    mounts: container.volumes.map((volume) => toMount(volume, appId, ctx.namePrefix, appDataDir)),
    tmpfs: [...container.tmpfs],
    ...(container.network !== undefined ? { network: container.network } : {}),
    ...(container.user !== undefined ? { user: container.user } : {}),
    capAdd: [...container.capAdd],
    // Podman's compat API creates containers with a stop timeout of 0, which makes every stop
    // (ours, or an operator's `podman stop`) a SIGKILL: a database like bitcoind's needs its TERM.
    stopTimeoutSeconds:
      container.stopTimeoutMs !== undefined ? Math.ceil(container.stopTimeoutMs / 1000) : DEFAULT_STOP_TIMEOUT_SECONDS,
    ...(container.healthcheck !== undefined
      ? {
          healthcheck: {
            test: [...container.healthcheck.test],
            intervalSeconds: container.healthcheck.intervalMs / 1000,
            timeoutSeconds: container.healthcheck.timeoutMs / 1000,
            retries: container.healthcheck.retries,
            startPeriodSeconds: container.healthcheck.startPeriodMs / 1000,
          },
        }
      : {}),
    // Only when declared, so the spec hash of a manifest without limits stays what it was.
    ...(container.resources !== undefined ? { resources: { ...container.resources } } : {}),
  };
  spec.labels[LABELS.specHash] = specHash(spec);
  return spec;
}

function toMount(volume: VolumeMount, appId: string, namePrefix: string, appDataDir: string): Mount {
  switch (volume.kind) {
    case 'named':
      // Prefixed per app: two apps that both say "data:/data" must not share one volume.
      return { source: `${namePrefix}${appId}-${volume.source}`, target: volume.target, readOnly: volume.readOnly };
    case 'app-data':
      // The schema already refused sources that climb out with "..".
      return { source: path.join(appDataDir, volume.source), target: volume.target, readOnly: volume.readOnly };
    case 'host':
      return { source: volume.source, target: volume.target, readOnly: volume.readOnly };
  }
}

/**
 * First 16 hex digits of sha256 over the spec's canonical JSON, leaving out the spec-hash label
 * itself (so the hash of a spec that carries its label equals the hash it was given).
 */
export function specHash(spec: ContainerSpec): string {
  const { [LABELS.specHash]: _ignored, ...labels } = spec.labels;
  return sha256Hex(canonicalJson({ ...spec, labels })).slice(0, 16);
}
