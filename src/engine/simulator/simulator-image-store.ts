import { createHash } from 'node:crypto';
import { EngineError } from '../../domain/engine-error.js';
import { type BuildSpec, type ImageIdentity, type PullOptions } from '../port.js';
import type { ImageBehaviour } from './simulator-images.js';
import { normalizeImageRef, registryHostOf } from '../image-ref.js';
import { classifyPullFailure } from '../dockerode/pull-failure.js';

const PLAIN_HTTP_MESSAGE = 'http: server gave HTTP response to HTTPS client';

export interface ImageStoreOptions {
  /** Images the simulated registry serves, by ref (`latest` implied when untagged). */
  registry?: Readonly<Record<string, ImageBehaviour>>;
  /** Images already in local storage when the engine starts (no pull needed). */
  localImages?: Readonly<Record<string, ImageBehaviour>>;
  /** Registry hosts that speak plain HTTP only. Default ['127.0.0.1:5000'], as on our hosts. */
  plainHttpRegistries?: readonly string[];
  /** Free space of the image store's file system. Default 100 GiB. */
  freeBytes?: number;
}

const DEFAULT_FREE_BYTES = 100 * 1024 ** 3;

/**
 * The simulated engine's local image storage and the registry it pulls from, with podman's
 * pull and build errors. Refs are normalized on the way in, so `repo` is `repo:latest`.
 */
export class SimulatedImageStore {
  registryReachable = true;
  /** Free bytes on the simulated image store's file system (`control.setFreeSpace`). */
  freeBytes: number;

  private readonly registry = new Map<string, ImageBehaviour>();
  private readonly local = new Map<string, ImageBehaviour>();
  private readonly buildContexts = new Map<string, ImageBehaviour>();
  private readonly plainHttp: ReadonlySet<string>;
  private readonly serials = new Map<ImageBehaviour, number>();

  constructor(options: ImageStoreOptions) {
    this.plainHttp = new Set(options.plainHttpRegistries ?? ['127.0.0.1:5000']);
    this.freeBytes = options.freeBytes ?? DEFAULT_FREE_BYTES;
    for (const [ref, behaviour] of Object.entries(options.registry ?? {})) {
      this.registry.set(normalizeImageRef(ref), behaviour);
    }
    for (const [ref, behaviour] of Object.entries(options.localImages ?? {})) {
      this.local.set(normalizeImageRef(ref), behaviour);
    }
  }

  /** What containers of the locally stored image `ref` do; undefined when it is not stored. */
  localImage(ref: string): ImageBehaviour | undefined {
    return this.local.get(normalizeImageRef(ref));
  }

  /** Copies `ref` from the registry into local storage, or throws podman's pull error. */
  pull(ref: string, options: PullOptions): void {
    const normalized = normalizeImageRef(ref);
    const host = registryHostOf(normalized);
    if (!this.registryReachable) {
      throw new EngineError(
        'registry-unreachable',
        `pull of image ${ref} failed: registry ${host} unreachable: dial tcp ${host}: connect: connection refused`,
      );
    }
    // The adapter says tlsVerify on every podman pull, so the engine's own registries.conf
    // never lets a plain-HTTP registry through: only the caller's list does.
    const insecure = new Set(options.insecureRegistries ?? []);
    if (this.plainHttp.has(host) && !insecure.has(host)) {
      throw classifyPullFailure(
        ref,
        `initializing source docker://${normalized}: pinging container registry ${host}: ` +
          `Get "https://${host}/v2/": ${PLAIN_HTTP_MESSAGE}`,
      );
    }
    const behaviour = this.registry.get(normalized);
    if (!behaviour) {
      throw new EngineError(
        'image-not-found',
        `pull of image ${ref} failed: the registry has no such image or tag: reading manifest ` +
          `${tagOf(normalized)} in ${host}/${repositoryOf(normalized)}: manifest unknown`,
      );
    }
    const layer = digestOf(normalized).slice(0, 12);
    options.onProgress?.({ ref, status: 'Pulling fs layer', layer });
    options.onProgress?.({ ref, status: 'Download complete', layer });
    this.local.set(normalized, behaviour);
  }

  /** Builds `spec.tag` from a context defined with `defineBuildContext`, or throws not-found. */
  build(spec: BuildSpec, options: PullOptions): void {
    const behaviour = this.buildContexts.get(spec.context);
    if (!behaviour) {
      throw new EngineError(
        'not-found',
        `build of image ${spec.tag} from ${spec.context}: no such build context ` +
          '(simulated engine: define it with control.defineBuildContext)',
      );
    }
    options.onProgress?.({ ref: spec.tag, status: `Successfully tagged ${normalizeImageRef(spec.tag)}` });
    this.local.set(normalizeImageRef(spec.tag), behaviour);
  }

  publish(ref: string, behaviour: ImageBehaviour): void {
    this.registry.set(normalizeImageRef(ref), behaviour);
  }

  unpublish(ref: string): void {
    this.registry.delete(normalizeImageRef(ref));
  }

  removeLocal(ref: string): void {
    this.local.delete(normalizeImageRef(ref));
  }

  /**
   * The image a container of `ref` made from `behaviour` runs: each behaviour object is one
   * image (its id and manifest digest made up from a counter), known by the repository of `ref`.
   */
  identityOf(ref: string, behaviour: ImageBehaviour): ImageIdentity {
    let serial = this.serials.get(behaviour);
    if (serial === undefined) {
      serial = this.serials.size + 1;
      this.serials.set(behaviour, serial);
    }
    const normalized = normalizeImageRef(ref);
    const host = registryHostOf(normalized);
    return {
      id: `sha256:${digestOf(`image ${serial}`)}`,
      repoDigests: [`${host}/${repositoryOf(normalized)}@sha256:${digestOf(`manifest ${serial}`)}`],
    };
  }

  defineBuildContext(context: string, behaviour: ImageBehaviour): void {
    this.buildContexts.set(context, behaviour);
  }
}

function tagOf(ref: string): string {
  const at = ref.indexOf('@');
  if (at >= 0) return ref.slice(at + 1);
  const lastSlash = ref.lastIndexOf('/');
  const colon = ref.indexOf(':', lastSlash + 1);
  return colon >= 0 ? ref.slice(colon + 1) : 'latest';
}

function repositoryOf(ref: string): string {
  const at = ref.indexOf('@');
  const base = at >= 0 ? ref.slice(0, at) : ref;
  const lastSlash = base.lastIndexOf('/');
  const colon = base.indexOf(':', lastSlash + 1);
  const withHost = colon >= 0 ? base.slice(0, colon) : base;
  const host = registryHostOf(withHost);
  return withHost.startsWith(`${host}/`) ? withHost.slice(host.length + 1) : withHost;
}

function digestOf(ref: string): string {
  return createHash('sha256').update(ref).digest('hex');
}
