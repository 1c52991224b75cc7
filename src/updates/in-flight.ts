/**
 * The snapshot and restore folders this process is writing right now. A listing removes the
 * half-made folders it finds, but not one a running `takeSnapshot` is filling: this set (of
 * this process; one podwarden owns a state dir) is how it tells them apart.
 */
const inFlight = new Set<string>();

export function isInFlight(dir: string): boolean {
  return inFlight.has(dir);
}

/** Runs `work` with `dir` marked in flight. */
export async function whileInFlight<T>(dir: string, work: () => Promise<T>): Promise<T> {
  inFlight.add(dir);
  try {
    return await work();
  } finally {
    inFlight.delete(dir);
  }
}
