import { realpath } from 'node:fs/promises';
import { escapeProblem } from '../manifest/confine-paths.js';
import type { AppSpec } from '../../machines/types.js';
import { EngineError } from '../domain/engine-error.js';
import { type EnginePort, type PullProgress } from '../engine/port.js';
import type { Logger } from '../log.js';
import { checkDiskSpace, DEFAULT_DISK_RESERVE_BYTES } from './disk-preflight.js';

export interface ImagePolicyOptions {
  insecureRegistries: readonly string[];
  onProgress?: (appId: string, progress: PullProgress) => void;
  /** Bytes kept free on the image store beyond each app's own requirement. Default 1 GiB. */
  diskReserveBytes?: number;
  logger?: Logger;
}

/**
 * Makes the app's image present, as its manifest says:
 * - `build` (with or without `image`): built locally first; with `image` too, a failed build
 *   (or a missing context) falls back to pulling `image`, the tag the build would have made;
 * - `image` alone: pulled per the pull policy (`always`, `if-not-present`, `never`).
 * Before any build or pull, the image store must have the app's `requirements.disk` plus the
 * global reserve free. Concurrent requests for one image share one pull, so two apps (or a
 * retried step) never pull the same reference twice at once.
 */
export function createImageEnsurer(engine: EnginePort, options: ImagePolicyOptions) {
  const inFlight = new Map<string, Promise<void>>();
  const reserveBytes = options.diskReserveBytes ?? DEFAULT_DISK_RESERVE_BYTES;
  const log = options.logger;

  async function obtain(spec: AppSpec): Promise<void> {
    const { ref, pullPolicy, build, pullFallback, diskBytes } = spec.image;
    if (pullPolicy !== 'always' && (await engine.imageExists(ref))) return;
    const onProgress = (progress: PullProgress) => options.onProgress?.(spec.appId, progress);
    const pull = () => engine.pull(ref, { onProgress, insecureRegistries: options.insecureRegistries });
    if (!build && pullPolicy === 'never') {
      throw new EngineError('image-not-found', `image ${ref} is not present and the pull policy is "never"`);
    }
    await checkDiskSpace(engine, { appId: spec.appId, needBytes: diskBytes ?? 0, reserveBytes }, log);
    if (!build) return pull();
    try {
      await checkBuildContext(build);
      await engine.build({ tag: ref, context: build.context, containerfile: build.containerfile }, { onProgress });
      return;
    } catch (buildError) {
      // A full disk stays a full disk whichever way the image comes; "never" means no registry.
      const code = buildError instanceof EngineError ? buildError.code : 'engine';
      if (!pullFallback || pullPolicy === 'never' || code === 'disk-full') throw buildError;
      const why = buildError instanceof Error ? buildError.message : String(buildError);
      log?.warn({ app: spec.appId, image: ref, err: why }, 'build failed; pulling the image instead');
      try {
        await pull();
      } catch (pullError) {
        const pullWhy = pullError instanceof Error ? pullError.message : String(pullError);
        throw new EngineError(
          pullError instanceof EngineError ? pullError.code : 'engine',
          `build failed (${why}), and so did the pull it fell back to: ${pullWhy}`,
          pullError,
        );
      }
    }
  }

  return function ensureImage(spec: AppSpec): Promise<void> {
    // An update's `always` fetch must not ride on another app's `missing` check of the same tag.
    const key = `${spec.image.pullPolicy} ${spec.image.ref}`;
    const running = inFlight.get(key);
    if (running) return running;
    const pending = obtain(spec).finally(() => inFlight.delete(key));
    inFlight.set(key, pending);
    return pending;
  };
}

/**
 * The build context must still be inside the manifest's folder when the build starts (the
 * catalog was checked when it was read; a link may have been swapped in since). A refusal is a
 * failed build: with `image` too, the image is pulled instead.
 */
async function checkBuildContext(build: NonNullable<AppSpec['image']['build']>): Promise<void> {
  if (build.root === undefined) return;
  const root = await realpath(build.root).catch(() => build.root!);
  const problem = await escapeProblem(root, build.context);
  if (problem) throw new EngineError('engine', `the build context ${problem}`);
}
