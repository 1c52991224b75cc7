import { fromPromise } from 'xstate';
import { ownerOfKey } from '../../../machines/binding.js';
import type { UnitStepInput } from '../../../machines/companion-unit.machine.js';
import type { AppSpec } from '../../../machines/types.js';
import type { Logger } from '../../log.js';
import { renderUnit, type PodmanVersion, type RenderedUnit } from './render-unit.js';
import type { SystemdUnits } from './systemd-units.js';

export interface UnitEffectsOptions {
  podman: PodmanVersion;
  podmanPath?: string;
  logger?: Logger;
}

/** The companion-unit machine's effects: each one systemd call (or file write) through `units`. */
export function createUnitEffects(units: SystemdUnits, options: UnitEffectsOptions) {
  const rendered = (spec: AppSpec): RenderedUnit => {
    const owner = ownerOfKey(spec.appId);
    return renderUnit({
      spec: spec.container,
      description: `${spec.appId.slice(owner.length + 1)} of ${owner}`,
      podman: options.podman,
      ...(options.podmanPath ? { podmanPath: options.podmanPath } : {}),
    });
  };
  const step = <T>(name: string, run: (unit: RenderedUnit) => Promise<T>) =>
    fromPromise<T, UnitStepInput>(async ({ input }) => {
      const unit = rendered(input.spec);
      try {
        return await run(unit);
      } catch (error) {
        options.logger?.warn({ app: input.spec.appId, step: name, err: (error as Error).message }, `${name} failed`);
        throw error;
      }
    });
  return {
    writeUnit: step('writeUnit', async (unit) => ({ changed: await units.writeUnit(unit.fileName, unit.text) })),
    reloadDaemon: step('reloadDaemon', () => units.daemonReload()),
    enableUnit: step('enableUnit', (unit) => units.enableNow(unit.unitName)),
    restartUnit: step('restartUnit', (unit) => units.restart(unit.unitName)),
    checkActive: step('checkActive', async (unit) => ({ active: await units.isActive(unit.unitName) })),
    disableUnit: step('disableUnit', (unit) => units.disableNow(unit.unitName)),
    removeUnit: step('removeUnit', async (unit) => {
      await units.removeUnit(unit.fileName);
    }),
  };
}
