import type { AppSpec, Desired, Observed } from './types.js';
import { LABELS } from '../src/domain/labels.js';

export type Action = 'none' | 'wait' | 'start' | 'create' | 'recreate' | 'stop' | 'remove';

export interface Decision {
  action: Action;
  /** Why, in words a person can read; shown in reports and transitions. */
  why: string;
  /** The container failed by itself (crash, lost process, unhealthy): counts toward backoff. */
  failed: boolean;
  /** The failure is the engine's own health check's verdict (its HEALTHCHECK said unhealthy). */
  unhealthy?: true;
}

function decision(action: Action, why: string, failed = false): Decision {
  return { action, why, failed };
}

/** What the decision table reads of an app's spec. */
export type DecisionSpec = Pick<AppSpec, 'specHash' | 'ignoreEngineHealth'>;

/**
 * The ensure-running decision table: what to do with an app's container given what the
 * owner asked for. Pure, so the machine, `plan` and the tests share one truth.
 */
export function decide(desired: Desired, container: Observed, spec: DecisionSpec): Decision {
  const { specHash } = spec;
  if (desired === 'absent') {
    return container ? decision('remove', 'app is not installed') : decision('none', 'removed');
  }
  if (desired === 'stopped') {
    if (!container) return decision('none', 'stopped by the owner');
    switch (container.status) {
      case 'running':
      case 'paused':
      case 'restarting':
        return decision('stop', `stopped by the owner but the container is ${container.status}`);
      default:
        return decision('none', 'stopped by the owner');
    }
  }
  if (!container) return decision('create', 'no container');
  switch (container.status) {
    case 'running':
      if (container.pid === 0) return decision('recreate', 'running but its process is gone', true);
      if (container.health === 'unhealthy' && !spec.ignoreEngineHealth)
        return { ...decision('recreate', 'container is unhealthy', true), unhealthy: true };
      if (container.labels[LABELS.specHash] !== specHash) {
        return decision('recreate', 'container was made from an older manifest');
      }
      return decision('none', 'running');
    case 'exited': {
      const code = container.exitCode === undefined ? '' : ` with code ${container.exitCode}`;
      if (container.labels[LABELS.specHash] !== specHash) {
        return decision('recreate', `exited${code}; container was made from an older manifest`);
      }
      return decision('start', `exited${code}${container.oomKilled ? ' (out of memory)' : ''}`, true);
    }
    case 'created':
      return decision('recreate', 'stuck in Created');
    case 'paused':
      return decision('recreate', 'paused outside podwarden');
    case 'restarting':
    case 'removing':
      return decision('wait', `engine is ${container.status} the container`);
    case 'dead':
    case 'unknown':
      return decision('recreate', `container is in state ${container.status}`, true);
  }
}
