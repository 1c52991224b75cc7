import type { HealthStatus } from '../../domain/container-observation.js';
import type { SimContainer } from './simulator-containers.js';
import { INVALID_SETTING_EXIT_CODE } from './simulator-images.js';

const DEFAULT_HEALTHCHECK_RETRIES = 3;
const WHOLE_NUMBER = /^[0-9]+$/;

/**
 * When and how a started container's process ends by itself, if it does. An env override
 * that the sample entry points reject ends the process at once with their usage exit code.
 */
export function exitPlan(container: SimContainer): { afterMs: number; code: number } | undefined {
  const behaviour = container.behaviour;
  const oom = outOfMemory(container);
  if (oom !== undefined) return oom;
  if (behaviour.kind === 'serve') {
    if (behaviour.readyAfterSecondsEnv === undefined) return undefined;
    const raw = container.spec.env[behaviour.readyAfterSecondsEnv];
    if (raw === undefined || WHOLE_NUMBER.test(raw)) return undefined;
    return { afterMs: 0, code: INVALID_SETTING_EXIT_CODE };
  }
  const afterMs = behaviour.afterMs ?? 0;
  if (behaviour.exitCodeEnv === undefined) return { afterMs, code: behaviour.code };
  const raw = container.spec.env[behaviour.exitCodeEnv];
  if (raw === undefined) return { afterMs, code: behaviour.code };
  if (!WHOLE_NUMBER.test(raw) || Number(raw) > 255) return { afterMs: 0, code: INVALID_SETTING_EXIT_CODE };
  return { afterMs, code: Number(raw) };
}

const MIB = 1024 * 1024;
/** 128 + SIGKILL. */
const OOM_KILL_EXIT = 137;

/**
 * A process that takes more memory than the container's limit is OOM-killed at once. As on
 * podman 4.3 with cgroup v1 here: exit 137, no `oom` event, OOMKilled left false.
 */
function outOfMemory(container: SimContainer): { afterMs: number; code: number } | undefined {
  const behaviour = container.behaviour;
  if (behaviour.takesMiB === undefined) return undefined;
  const raw = behaviour.takesMiBEnv === undefined ? undefined : container.spec.env[behaviour.takesMiBEnv];
  if (raw !== undefined && !WHOLE_NUMBER.test(raw)) return { afterMs: 0, code: INVALID_SETTING_EXIT_CODE };
  const takes = (raw === undefined ? behaviour.takesMiB : Number(raw)) * MIB;
  const limit = container.spec.resources?.memoryBytes;
  return limit !== undefined && takes > limit ? { afterMs: 0, code: OOM_KILL_EXIT } : undefined;
}

/** Whether the service in the container would answer a probe at `now` (running, ready, healthy). */
export function isServing(container: SimContainer, now: number): boolean {
  if (container.status !== 'running' || container.behaviour.kind !== 'serve') return false;
  if (container.behaviour.healthy === false) return false;
  const readyAfter = readyAfterMs(container);
  return container.startedAt !== undefined && now - container.startedAt >= readyAfter;
}

/**
 * One health check of a running container: it passes when the service is serving, and the
 * health turns 'unhealthy' after the check's retries fail in a row. Returns the health from
 * before the check, which is what podman 4.3's `health_status` event carries (issue #19237).
 */
export function recordHealthcheck(container: SimContainer, now: number): HealthStatus {
  const before = container.health;
  if (isServing(container, now)) {
    container.failingStreak = 0;
    container.health = 'healthy';
  } else {
    container.failingStreak += 1;
    const retries =
      container.spec.healthcheck?.retries ?? container.behaviour.healthcheck?.retries ?? DEFAULT_HEALTHCHECK_RETRIES;
    if (container.failingStreak >= retries) container.health = 'unhealthy';
  }
  return before;
}

function readyAfterMs(container: SimContainer): number {
  const behaviour = container.behaviour;
  if (behaviour.kind !== 'serve') return 0;
  const envName = behaviour.readyAfterSecondsEnv;
  const raw = envName === undefined ? undefined : container.spec.env[envName];
  if (raw !== undefined && WHOLE_NUMBER.test(raw)) return Number(raw) * 1000;
  return behaviour.readyAfterMs ?? 0;
}
