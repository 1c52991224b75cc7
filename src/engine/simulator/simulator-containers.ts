import type { TimerId } from '../../domain/clock.js';
import { createHash } from 'node:crypto';
import { EngineError } from '../../domain/engine-error.js';
import {
  type ContainerObservation,
  type EngineHealthcheck,
  type HealthStatus,
} from '../../domain/container-observation.js';
import { type ContainerSpec } from '../../domain/container-spec.js';
import { type LogLine } from '../port.js';
import type { ImageBehaviour } from './simulator-images.js';

export type SimStatus = 'created' | 'running' | 'paused' | 'exited';

export interface SimContainer {
  readonly id: string;
  readonly name: string;
  readonly image: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly spec: ContainerSpec;
  readonly behaviour: ImageBehaviour;
  readonly hasHealthcheck: boolean;
  status: SimStatus;
  health: HealthStatus;
  /** Failed health checks in a row. */
  failingStreak: number;
  pid: number;
  exitCode: number;
  oomKilled: boolean;
  /** Its bridge address, which podman's inspect shows only while the process runs. */
  ipAddress: string | undefined;
  startedAt: number | undefined;
  finishedAt: number | undefined;
  exitTimer: TimerId | undefined;
  exitDueAt: number | undefined;
  /** Time left on the exit timer while the process is frozen by pause. */
  exitRemainingMs: number | undefined;
  /** The code the armed exit timer will exit with. */
  exitPlanCode: number;
  /** Lines the process has yet to print (image `output`), with their timers while it runs unpaused. */
  pendingOutput: { dueAt: number; remainingMs?: number; line: LogLine; timer?: TimerId }[];
  /** Callers of `stop` waiting for the process to end (it ignored SIGTERM). */
  exitWaiters: Array<() => void>;
  killTimer: TimerId | undefined;
}

const FULL_ID = /^[0-9a-f]{64}$/;
const ID_PREFIX = /^[0-9a-f]+$/;

/** The simulated engine's containers, found by id, name, id prefix or label as podman finds them. */
export class ContainerTable {
  private readonly byId = new Map<string, SimContainer>();
  private readonly byName = new Map<string, SimContainer>();
  /** `key=value` → ids, so a list by owner label touches only that owner's containers. */
  private readonly byLabel = new Map<string, Set<string>>();
  private sequence = 0;

  get size(): number {
    return this.byId.size;
  }

  named(name: string): SimContainer | undefined {
    return this.byName.get(name);
  }

  withId(id: string): SimContainer | undefined {
    return this.byId.get(id);
  }

  /** A new created container of the locally stored `image` (normalized ref). */
  add(spec: ContainerSpec, image: string, behaviour: ImageBehaviour): SimContainer {
    this.sequence += 1;
    const id = createHash('sha256').update(`simulated-container:${this.sequence}:${spec.name}`).digest('hex');
    const container: SimContainer = {
      id,
      name: spec.name,
      image,
      // Podman merges the image's labels under the container's, and reports the union everywhere.
      labels: { ...behaviour.labels, ...spec.labels },
      spec: structuredClone(spec),
      behaviour,
      hasHealthcheck: spec.healthcheck !== undefined || behaviour.healthcheck !== undefined,
      status: 'created',
      health: 'none',
      failingStreak: 0,
      pid: 0,
      exitCode: 0,
      oomKilled: false,
      // podman's default network hands out 10.88.0.0/16; host networking has no own address.
      ipAddress:
        spec.network === 'host'
          ? undefined
          : `10.88.${Math.floor(this.sequence / 250) % 250}.${(this.sequence % 250) + 2}`,
      startedAt: undefined,
      finishedAt: undefined,
      exitTimer: undefined,
      exitDueAt: undefined,
      exitRemainingMs: undefined,
      exitPlanCode: 0,
      pendingOutput: [],
      exitWaiters: [],
      killTimer: undefined,
    };
    this.byId.set(id, container);
    this.byName.set(spec.name, container);
    for (const [key, value] of Object.entries(container.labels)) {
      const k = `${key}=${value}`;
      let ids = this.byLabel.get(k);
      if (!ids) this.byLabel.set(k, (ids = new Set()));
      ids.add(id);
    }
    return container;
  }

  /** Whether `container` is still in the table (not removed, not replaced). */
  holds(container: SimContainer): boolean {
    return this.byId.get(container.id) === container;
  }

  delete(container: SimContainer): void {
    this.byId.delete(container.id);
    this.byName.delete(container.name);
    for (const [key, value] of Object.entries(container.labels)) {
      const k = `${key}=${value}`;
      const ids = this.byLabel.get(k);
      ids?.delete(container.id);
      if (ids && ids.size === 0) this.byLabel.delete(k);
    }
  }

  /** Podman's lookup order: full id, name, then a unique id prefix. */
  resolve(idOrName: string): SimContainer | undefined {
    const direct = this.byId.get(idOrName) ?? this.byName.get(idOrName);
    if (direct || FULL_ID.test(idOrName) || !ID_PREFIX.test(idOrName)) return direct;
    let found: SimContainer | undefined;
    for (const [id, container] of this.byId) {
      if (!id.startsWith(idOrName)) continue;
      if (found) {
        throw new EngineError('engine', `container id prefix "${idOrName}" is ambiguous: more than one result`);
      }
      found = container;
    }
    return found;
  }

  require(idOrName: string, action: string): SimContainer {
    const container = this.resolve(idOrName);
    if (!container) {
      throw new EngineError('not-found', `${action}: no container with name or ID "${idOrName}" found`);
    }
    return container;
  }

  /** The containers that carry every one of `labels`. */
  withLabels(labels: Record<string, string>): SimContainer[] {
    const wanted = Object.entries(labels);
    let candidates: Iterable<SimContainer> = this.byId.values();
    if (wanted.length > 0) {
      let smallest: Set<string> | undefined;
      for (const [key, value] of wanted) {
        const ids = this.byLabel.get(`${key}=${value}`);
        if (!ids) return [];
        if (!smallest || ids.size < smallest.size) smallest = ids;
      }
      const ids = smallest ?? new Set<string>();
      candidates = [...ids].map((id) => this.byId.get(id)).filter((c): c is SimContainer => c !== undefined);
    }
    const result: SimContainer[] = [];
    for (const container of candidates) {
      if (wanted.every(([key, value]) => container.labels[key] === value)) result.push(container);
    }
    return result;
  }
}

/**
 * Inspect and list differ as they do through the adapter on podman: the list (libpod's,
 * since the compat list has no health) carries pid, health and exit code but no OOM flag,
 * and its times are whole unix seconds.
 */
export function observe(container: SimContainer, fromInspect: boolean): ContainerObservation {
  const observation: ContainerObservation = {
    id: container.id,
    name: container.name,
    image: container.image,
    status: container.status,
    health: container.health,
    labels: { ...container.labels },
    pid: container.pid,
  };
  if (container.status === 'exited') observation.exitCode = container.exitCode;
  const startedAt = fromInspect ? container.startedAt : wholeSeconds(container.startedAt);
  const finishedAt = fromInspect ? container.finishedAt : wholeSeconds(container.finishedAt);
  if (startedAt !== undefined) observation.startedAt = startedAt;
  if (finishedAt !== undefined) observation.finishedAt = finishedAt;
  if (fromInspect) observation.oomKilled = container.oomKilled;
  const healthcheck = fromInspect ? configuredHealthcheck(container) : undefined;
  if (healthcheck !== undefined) observation.healthcheck = healthcheck;
  if (fromInspect && container.spec.resources !== undefined) observation.resources = { ...container.spec.resources };
  const live = container.status === 'running' || container.status === 'paused';
  if (fromInspect && live && container.ipAddress !== undefined) observation.ipAddress = container.ipAddress;
  return observation;
}

/** What inspect's `Config.Healthcheck` shows: the check given at create overrides the image's. */
function configuredHealthcheck(container: SimContainer): EngineHealthcheck | undefined {
  const given = container.spec.healthcheck;
  if (given === undefined)
    return container.behaviour.healthcheck === undefined ? undefined : structuredClone(container.behaviour.healthcheck);
  const first = given.test[0];
  const test = first === 'CMD' || first === 'CMD-SHELL' || first === 'NONE' ? [...given.test] : ['CMD', ...given.test];
  const ms = (seconds: number) => (seconds > 0 ? { ms: seconds * 1000 } : undefined);
  const healthcheck: EngineHealthcheck = { test };
  const interval = ms(given.intervalSeconds);
  const timeout = ms(given.timeoutSeconds);
  const startPeriod = ms(given.startPeriodSeconds);
  if (interval) healthcheck.intervalMs = interval.ms;
  if (timeout) healthcheck.timeoutMs = timeout.ms;
  if (given.retries > 0) healthcheck.retries = given.retries;
  if (startPeriod) healthcheck.startPeriodMs = startPeriod.ms;
  return healthcheck;
}

function wholeSeconds(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : Math.floor(ms / 1000) * 1000;
}
