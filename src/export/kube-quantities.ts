/**
 * Numbers as Kubernetes writes them: quantities ("256Mi", "500m") and whole seconds. A duration
 * that is not a whole number of seconds is rounded up (never to 0: Kubernetes' minimum is 1 s),
 * and the caller is told, so the export can say so.
 */

const BINARY_UNITS: Array<[string, number]> = [
  ['Ti', 1024 ** 4],
  ['Gi', 1024 ** 3],
  ['Mi', 1024 ** 2],
  ['Ki', 1024],
];

/** Bytes as the largest binary unit that divides them exactly, else plain bytes. */
export function byteQuantity(bytes: number): string {
  for (const [unit, size] of BINARY_UNITS) if (bytes % size === 0) return `${bytes / size}${unit}`;
  return String(bytes);
}

/** CPUs (0.5) as millicores ("500m"), or whole cores ("2"). Podman's resolution is 0.01, so no rounding is lost. */
export function cpuQuantity(cpus: number): string {
  const millis = Math.round(cpus * 1000);
  return millis % 1000 === 0 ? String(millis / 1000) : `${millis}m`;
}

/** Whole seconds, at least `minimum`, and whether that changed the value. */
export function wholeSeconds(ms: number, minimum = 1): { seconds: number; exact: boolean } {
  const seconds = Math.max(minimum, Math.ceil(ms / 1000));
  return { seconds, exact: seconds * 1000 === ms };
}
