import { EngineError } from '../../domain/engine-error.js';
import type { ImageIdentity } from '../port.js';

/**
 * A container inspect's image id (`Image`: podman and Docker both give `sha256:…` there;
 * `Config.Image` is the reference it was created from, which a later pull may have moved).
 */
export function imageIdOfInspect(raw: unknown): string {
  const id = (raw as { Image?: unknown } | null)?.Image;
  if (typeof id !== 'string' || id === '')
    throw new EngineError(
      'engine',
      'container inspect: the engine did not say which image the container runs (no Image)',
    );
  return withAlgorithm(id);
}

/** `GET /images/{id}/json` → the id and its `RepoDigests` (podman and Docker: `repo@sha256:…`). */
export function imageIdentityOf(raw: unknown, fallbackId: string): ImageIdentity {
  const body = (raw ?? {}) as { Id?: unknown; RepoDigests?: unknown };
  const id = typeof body.Id === 'string' && body.Id !== '' ? body.Id : fallbackId;
  const digests = Array.isArray(body.RepoDigests) ? body.RepoDigests : [];
  return {
    id: withAlgorithm(id),
    repoDigests: digests.filter((entry): entry is string => typeof entry === 'string' && entry.includes('@')),
  };
}

/** Docker gives `sha256:…`; an engine that leaves the algorithm out means sha256. */
function withAlgorithm(id: string): string {
  return id.includes(':') ? id : `sha256:${id}`;
}
