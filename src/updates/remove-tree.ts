import { randomBytes } from 'node:crypto';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { REMOVING_PREFIX } from './data-snapshot.js';
import { whileInFlight } from './in-flight.js';

/**
 * Removes a snapshot folder so that a removal cut short (a kill, a power cut) never leaves
 * something that looks whole: it is renamed to `.removing-…` first, then deleted. Missing is fine.
 */
export async function removeSnapshotFolder(dir: string): Promise<void> {
  const doomed = path.join(path.dirname(dir), `${REMOVING_PREFIX}${randomBytes(6).toString('hex')}`);
  try {
    await rename(dir, doomed);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  // In flight meanwhile, so a listing does not take the folder from under this removal.
  await whileInFlight(doomed, () => rm(doomed, { recursive: true, force: true }));
}
