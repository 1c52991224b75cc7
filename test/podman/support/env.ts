/**
 * Where the podman tests find the engine and the local registry that scripts/setup-engine.sh
 * starts. Both can be pointed elsewhere through the environment, for a developer whose podman
 * socket or registry lives somewhere else.
 */
export const SOCKET_PATH: string = process.env.PODWARDEN_SOCKET ?? '/run/podman/podman.sock';

/** host:port of a plain-HTTP registry holding the sample images (podwarden/<name>:1). */
export const REGISTRY: string = process.env.PODWARDEN_REGISTRY ?? '127.0.0.1:5000';

/** The sample images scripts/setup-engine.sh builds from scripts/images/<name>/Containerfile. */
export type SampleImage = 'httpd' | 'crasher' | 'unhealthy' | 'sleeper' | 'slowstart';

export const SAMPLE_IMAGES: readonly SampleImage[] = [
  'httpd',
  'crasher',
  'unhealthy',
  'sleeper',
  'slowstart',
];

/** Full reference of a sample image in the local registry. */
export function image(name: string): string {
  return `${REGISTRY}/podwarden/${name}:1`;
}
