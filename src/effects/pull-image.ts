import type { AppSpec } from '../../machines/types.js';
import { EngineError, type EnginePort, type PullProgress } from '../engine/port.js';

export interface ImagePolicyOptions {
  insecureRegistries: readonly string[];
  onProgress?: (appId: string, progress: PullProgress) => void;
}

/**
 * Makes the app's image present, as its pull policy says: built locally when the manifest
 * has `build`, pulled otherwise. Concurrent requests for one image share one pull, so two
 * apps (or a retried step) never pull the same reference twice at once.
 */
export function createImageEnsurer(engine: EnginePort, options: ImagePolicyOptions) {
  const inFlight = new Map<string, Promise<void>>();

  async function obtain(spec: AppSpec): Promise<void> {
    const { ref, pullPolicy, build } = spec.image;
    if (pullPolicy !== 'always' && (await engine.imageExists(ref))) return;
    const onProgress = (progress: PullProgress) => options.onProgress?.(spec.appId, progress);
    if (build) {
      await engine.build({ tag: ref, context: build.context, containerfile: build.containerfile }, { onProgress });
      return;
    }
    if (pullPolicy === 'never') {
      throw new EngineError('image-not-found', `image ${ref} is not present and the pull policy is "never"`);
    }
    await engine.pull(ref, { onProgress, insecureRegistries: options.insecureRegistries });
  }

  return function ensureImage(spec: AppSpec): Promise<void> {
    const key = spec.image.ref;
    const running = inFlight.get(key);
    if (running) return running;
    const pending = obtain(spec).finally(() => inFlight.delete(key));
    inFlight.set(key, pending);
    return pending;
  };
}
