import { sampleImageRef, type SampleImageName } from '../../../src/engine/simulator/simulator-images.js';

/**
 * Where the podman tests find the engine and the local registry that scripts/setup-engine.sh
 * starts. Both can be pointed elsewhere through the environment, for a developer whose podman
 * socket or registry lives somewhere else.
 */
export const SOCKET_PATH: string = process.env.PODWARDEN_SOCKET ?? '/run/podman/podman.sock';

/** host:port of a plain-HTTP registry holding the sample images (podwarden/<name>:1). */
export const REGISTRY: string = process.env.PODWARDEN_REGISTRY ?? '127.0.0.1:5000';

/** The sample images scripts/setup-engine.sh builds; one list, shared with the simulator. */
export { SAMPLE_IMAGE_NAMES as SAMPLE_IMAGES } from '../../../src/engine/simulator/simulator-images.js';

/** Full reference of a sample image in the local registry. */
export function image(name: SampleImageName): string {
  return sampleImageRef(name, REGISTRY);
}
