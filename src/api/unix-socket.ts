import { connect } from 'node:net';
import { chmod, lstat, unlink } from 'node:fs/promises';

/**
 * A socket file left by a podwarden that died is removed; one that a live process answers on
 * is an error (two daemons on one socket would steal each other's clients).
 */
export async function clearStaleSocket(path: string): Promise<void> {
  let info;
  try {
    info = await lstat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (!info.isSocket()) throw new Error(`${path} exists and is not a socket; refusing to replace it`);
  const alive = await new Promise<boolean>((resolve) => {
    const probe = connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (alive) throw new Error(`another process is listening on ${path} (a podwarden already running?)`);
  await unlink(path);
}

/** Only the owner (root for the daemon) may talk to the API: it can stop every app. */
export async function restrictSocket(path: string, mode: number): Promise<void> {
  await chmod(path, mode);
}
