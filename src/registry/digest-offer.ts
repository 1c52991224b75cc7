import type { AppSpec } from '../../machines/types.js';
import type { EnginePort } from '../engine/port.js';
import { parseTagRef, RegistryError, tagDigest, type TagDigestOptions } from './tag-digest.js';

/**
 * What the registry offers behind an installed app's tag beside what its container runs:
 * `podwarden outdated` lists it when the two differ, and `podwarden update` then updates the
 * app to it (same tag, new digest) through the whole update lifecycle.
 */
export interface DigestOffer {
  appId: string;
  /** The manifest's image reference (a tag). */
  image: string;
  /** The registry digest of the image the container runs (`sha256:…`); absent for an image never pulled from that repository. */
  running?: string;
  /** The engine's id of that image: what a rollback makes the old version from again. */
  runningImageId?: string;
  /** The digest the registry serves for the tag now. */
  offered?: string;
  /** The registry offers another image than the one that runs. */
  newer: boolean;
  /** Why it could not be compared (the registry unreachable, no container yet, …), in words. */
  problem?: string;
}

/** An app whose image comes from a registry by tag (not built here, not pinned by digest, not `pullPolicy: never`). */
export function asksRegistry(spec: AppSpec): boolean {
  return spec.image.build === undefined && spec.image.pullPolicy !== 'never' && !spec.image.ref.includes('@');
}

/** `host/repository` of a `repo@sha256:…` or tag reference, as a registry names it. */
function repositoryKey(ref: string): string {
  const { host, repository } = parseTagRef(ref.split('@')[0]!);
  return `${host}/${repository}`;
}

/** Compares the registry's digest for the app's tag with its container's image. Never rejects: a failure is the `problem`. */
export async function digestOfferFor(
  spec: AppSpec,
  engine: Pick<EnginePort, 'containerImage'>,
  options: TagDigestOptions,
): Promise<DigestOffer> {
  const base = { appId: spec.appId, image: spec.image.ref, newer: false };
  try {
    const [image, offered] = await Promise.all([
      engine.containerImage(spec.container.name),
      tagDigest(spec.image.ref, options),
    ]);
    if (!image) return { ...base, offered, problem: 'it has no container to compare with' };
    const repository = repositoryKey(spec.image.ref);
    const known = image.repoDigests
      .filter((entry) => repositoryKey(entry) === repository)
      .map((entry) => entry.slice(entry.indexOf('@') + 1));
    return {
      ...base,
      ...(known[0] !== undefined ? { running: known.includes(offered) ? offered : known[0] } : {}),
      runningImageId: image.id,
      offered,
      newer: !known.includes(offered),
    };
  } catch (error) {
    const words = error instanceof Error ? error.message : String(error);
    return { ...base, problem: error instanceof RegistryError ? words : `the engine could not say: ${words}` };
  }
}
