import { isCompanionKey, ownerOfKey } from '../machines/binding.js';
import { childKeyOf, type Snapshot, type SupervisorContext } from '../machines/supervisor-context.js';
import { isClaimed } from '../machines/supervisor-binding.js';
import type { ContainerObservation } from './domain/container-observation.js';

/** A container of this instance that no installed app claims, left alone until the owner decides. */
export interface LeftAlone {
  appId: string;
  /** Set for a companion's container. */
  companion?: string;
  container: ContainerObservation;
}

export interface OrphanGuardOptions {
  /** The owner's explicit word (`--prune-orphans`): every unclaimed container is removed. */
  pruneOrphans: boolean;
  /** Apps whose uninstall the owner's recorded word asked for: their containers may go. */
  uninstalled: Iterable<string>;
  /** Whether desired.json lists the app (installed, managed or not). */
  isInstalled(appId: string): boolean;
}

/**
 * The supervisor removes every owned container no app claims (an orphan). That is right for an
 * app the owner uninstalled (the removal may have been cut short), and wrong for one whose
 * record was lost (a missing desired.json, an older copy restored, another tool using this
 * instance's label): removing those would wipe the node. So every observation passes this guard
 * first, and an unclaimed container reaches the supervisor only when its removal is the owner's
 * word: a recorded uninstall, a companion its installed app no longer declares, or
 * `--prune-orphans`. The others are left alone and listed for the owner (`podwarden adopt`).
 */
export function createOrphanGuard(options: OrphanGuardOptions) {
  const uninstalled = new Set(options.uninstalled);
  let leftAlone = new Map<string, LeftAlone>();

  function prunable(key: string): boolean {
    const appId = ownerOfKey(key);
    if (options.pruneOrphans || uninstalled.has(appId)) return true;
    // An installed app's manifest decides its companions: one it no longer declares may go.
    return isCompanionKey(key) && options.isInstalled(appId);
  }

  return {
    /** The snapshot as the supervisor may see it; what it leaves out is remembered for `leftAlone()`. */
    filter(snapshot: Snapshot, context: Pick<SupervisorContext, 'apps' | 'refused' | 'refs'>): Snapshot {
      const kept: ContainerObservation[] = [];
      const alone = new Map<string, LeftAlone>();
      for (const container of snapshot.containers) {
        const key = childKeyOf(container.labels);
        // Unattributable containers are never touched by the supervisor anyway.
        if (key === undefined || context.refs[key] || isClaimed(context, key) || prunable(key)) {
          kept.push(container);
          continue;
        }
        const appId = ownerOfKey(key);
        alone.set(key, {
          appId,
          ...(isCompanionKey(key) ? { companion: key.slice(appId.length + 1) } : {}),
          container,
        });
      }
      leftAlone = alone;
      return { ...snapshot, containers: kept };
    },
    /** The owner uninstalled it in this run: a container of it found later may be removed. */
    uninstalledNow(appId: string): void {
      uninstalled.add(appId);
    },
    /** Left alone by the last observation; keyed like the supervisor's children. */
    leftAlone(): ReadonlyMap<string, LeftAlone> {
      return leftAlone;
    },
  };
}

export type OrphanGuard = ReturnType<typeof createOrphanGuard>;
