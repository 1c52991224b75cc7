/**
 * What podwarden sees of a container: one look (list or inspect) and the events the engine
 * reports. Machines decide on these; the engine adapters produce them.
 */
import type { ContainerResources } from './container-spec.js';

/**
 * A health check as the engine stores it on a container (`Config.Healthcheck`): the image's
 * HEALTHCHECK, or the one given at create. Durations absent when the image left them unset.
 */
export interface EngineHealthcheck {
  /** `["CMD-SHELL", command]`, `["CMD", program, ...args]`, or `["NONE"]` (checks switched off). */
  test: string[];
  intervalMs?: number;
  timeoutMs?: number;
  retries?: number;
  startPeriodMs?: number;
}

/** podman/Docker states, normalised. `unknown` covers anything the engine invents later. */
export type ContainerStatus =
  'created' | 'running' | 'paused' | 'restarting' | 'exited' | 'removing' | 'dead' | 'unknown';

export type HealthStatus = 'none' | 'starting' | 'healthy' | 'unhealthy';

export interface ContainerObservation {
  id: string;
  name: string;
  image: string;
  status: ContainerStatus;
  health: HealthStatus;
  labels: Record<string, string>;
  /** From inspect only; a running container whose pid is 0 has lost its process. */
  pid?: number;
  exitCode?: number;
  oomKilled?: boolean;
  /** From inspect only: the container's address on its (first) network, for http/tcp probes. */
  ipAddress?: string;
  /** ms since epoch, when the engine knows it. */
  startedAt?: number;
  finishedAt?: number;
  /** From inspect only: the container's health check (image HEALTHCHECK or create's); absent = none. */
  healthcheck?: EngineHealthcheck;
  /** From inspect only: the limits the container runs under; absent = unlimited. */
  resources?: ContainerResources;
}

export interface ContainerEvent {
  kind: 'container';
  action: ContainerAction;
  containerId: string;
  /** The container's labels, as the engine reports them on the event. */
  labels: Record<string, string>;
  /** ms since epoch. */
  time: number;
  exitCode?: number;
  health?: HealthStatus;
}

export type ContainerAction =
  'create' | 'start' | 'die' | 'kill' | 'stop' | 'pause' | 'unpause' | 'restart' | 'remove' | 'health' | 'oom';
