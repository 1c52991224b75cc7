/**
 * Image references as engines store them. Podman stores `name:tag` with
 * `latest` implied, so `repo` and `repo:latest` must be one image in the simulator too.
 */
export function normalizeImageRef(ref: string): string {
  const trimmed = ref.trim();
  if (trimmed.includes('@')) return trimmed;
  const lastSlash = trimmed.lastIndexOf('/');
  const lastSegment = trimmed.slice(lastSlash + 1);
  return lastSegment.includes(':') ? trimmed : `${trimmed}:latest`;
}

/**
 * The registry host (host[:port]) a pull of `ref` talks to, by the reference grammar of
 * containers/image and Docker: the first path component is a host only when it contains a
 * dot or a port, or is `localhost`; anything else is a Docker Hub name.
 */
export function registryHostOf(ref: string): string {
  const slash = ref.indexOf('/');
  if (slash < 0) return 'docker.io';
  const first = ref.slice(0, slash);
  if (first.includes('.') || first.includes(':') || first === 'localhost') return first;
  return 'docker.io';
}

/**
 * `nginx:1.27` → `docker.io/library/nginx:1.27`, `me/app` → `docker.io/me/app`: what Docker's
 * compat pull makes of a short name. The libpod endpoint would instead resolve it through the
 * host's search registries (and refuse an ambiguous one), so it is given the full name.
 */
export function fullyQualifiedRef(ref: string): string {
  if (registryHostOf(ref) !== 'docker.io' || ref.startsWith('docker.io/')) return ref;
  return ref.includes('/') ? `docker.io/${ref}` : `docker.io/library/${ref}`;
}
