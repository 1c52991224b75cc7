import { EngineError } from '../domain/engine-error.js';
import { type EnginePort } from '../engine/port.js';
import type { Logger } from '../log.js';
import { formatSize } from '../manifest/size.js';

/** Kept free on the image store by default: a full disk stalls podman, the node and its database. */
export const DEFAULT_DISK_RESERVE_BYTES = 1024 ** 3;

export interface DiskNeed {
  appId: string;
  /** The manifest's `requirements.disk`; 0 when it declares none. */
  needBytes: number;
  reserveBytes: number;
}

/**
 * Refuses a pull or build that would leave less than the app's requirement plus the global
 * reserve free on the engine's image store, before anything is downloaded. An engine whose
 * storage is not on this host reports no free space: then the check is skipped, with a warning.
 */
export async function checkDiskSpace(engine: EnginePort, need: DiskNeed, log?: Logger): Promise<void> {
  const { root, freeBytes } = await engine.storageSpace();
  if (freeBytes === undefined) {
    log?.warn({ app: need.appId, root }, `cannot read the free space of ${root}; pulling without the disk check`);
    return;
  }
  if (freeBytes >= need.needBytes + need.reserveBytes) return;
  const wanted =
    need.needBytes > 0
      ? `app ${need.appId} needs ${formatSize(need.needBytes)} + ${formatSize(need.reserveBytes)} reserve`
      : `app ${need.appId} declares no requirement, and podwarden keeps ${formatSize(need.reserveBytes)} in reserve`;
  throw new EngineError(
    'disk-full',
    `disk full: ${formatSize(freeBytes)} free on ${root}, ${wanted} (free some space, or lower --disk-reserve)`,
  );
}
