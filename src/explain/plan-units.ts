import { isCompanionKey } from '../../machines/binding.js';
import type { StepName } from '../../machines/step.js';
import { declaredChildren, holdOf } from '../../machines/supervisor-binding.js';
import type { SupervisorContext } from '../../machines/supervisor-context.js';
import type { Desired } from '../../machines/types.js';

/** A companion handed to systemd (machines/companion-unit.machine.ts), as its machine knows it. */
export interface PlannedUnit {
  /** `<appId>/<companionId>`. */
  key: string;
  /** The unit machine's state; `not spawned` before the supervisor spawned it. */
  state: string;
  desired: Desired;
  /** What the supervisor holds it by (its app, while not ready). */
  waitingFor: readonly string[];
  /** The machine's reason: why it is where it is (its last failure while it backs off). */
  reason: string;
}

/** What the unit machine does on the next pass, in plan's words. */
export interface UnitPlan {
  action: StepName;
  change: string;
  why: string;
  waitingFor?: string[];
  busy?: string;
}

/** The unit machine's states in which a step (a file write or a systemctl call) is under way, and the step. */
const UNIT_STEPS: Readonly<Record<string, string>> = {
  rendering: 'writing the unit file',
  reloading: 'daemon-reload',
  restarting: 'restart',
  enabling: 'enable --now',
  checking: 'checking the unit file',
  probing: 'is-active',
  stopping: 'disable --now',
  disabling: 'disable --now',
  removing: 'removing the unit file',
  unloading: 'daemon-reload',
};

const INSTALL = 'install the unit (write its file if it changed, daemon-reload, enable --now or restart)';

/**
 * Every declared companion the `systemd` backend runs, as its unit machine knows it now, held
 * by what the supervisor holds it by.
 */
export function plannedUnits(context: SupervisorContext): PlannedUnit[] {
  if (context.companionBackend !== 'systemd') return [];
  const units: PlannedUnit[] = [];
  for (const child of declaredChildren(context.apps)) {
    if (!isCompanionKey(child.key)) continue;
    const snapshot = context.refs[child.key]?.getSnapshot();
    const known = snapshot && 'checkingPass' in snapshot.context ? snapshot.context : undefined;
    units.push({
      key: child.key,
      state: snapshot && typeof snapshot.value === 'string' ? snapshot.value : 'not spawned',
      desired: known?.desired ?? child.desired,
      waitingFor: holdOf(context, child.key) ?? [],
      reason: known?.reason ?? '',
    });
  }
  return units;
}

/**
 * Pure: what the companion-unit machine does for `unit` on the next pass, read off its chart:
 * a step under way only records the pass; an active unit has its file and `is-active` checked
 * (and repaired if either is off: plan cannot know without asking systemd, so it says so); a
 * unit backing off is installed again after it; otherwise what the owner wants decides, as the
 * machine's `deciding` state does. The actions are those its pass entries carry.
 */
export function unitPlan(unit: PlannedUnit): UnitPlan {
  const underWay = UNIT_STEPS[unit.state];
  if (underWay) {
    return {
      action: 'wait',
      change: 'wait',
      why: unit.reason,
      busy: `a step is under way (${unit.state}: ${underWay}); the pass only records what it sees`,
    };
  }
  if (unit.desired === 'absent') {
    if (unit.state === 'removed') return { action: 'none', change: 'no change', why: 'uninstalled' };
    return {
      action: 'remove',
      change: 'remove the unit (disable --now, remove its file, daemon-reload)',
      why: 'uninstalled',
    };
  }
  if (unit.desired === 'stopped') {
    if (unit.state === 'stopped') return { action: 'none', change: 'no change', why: 'stopped by the owner' };
    return { action: 'stop', change: 'stop the unit (disable --now)', why: 'stopped by the owner' };
  }
  switch (unit.state) {
    case 'active':
      return {
        action: 'none',
        change: 'check the unit file and that the unit is active (rewrite and restart, or restart, what is not)',
        why: unit.reason || 'active under systemd',
      };
    case 'backoff':
      return { action: 'restart', change: `after its backoff, ${INSTALL}`, why: unit.reason };
    case 'halted':
      return { action: 'none', change: 'no change (podwarden is stopping; systemd keeps the unit)', why: unit.reason };
  }
  if (unit.waitingFor.length > 0) {
    return {
      action: 'wait',
      change: 'wait for its app',
      why: `waiting for ${unit.waitingFor.join(', ')}`,
      waitingFor: [...unit.waitingFor],
    };
  }
  return { action: 'create', change: INSTALL, why: 'installing the unit' };
}
