/**
 * Container state as the engine reports it (inspect and both list flavours) → the port's
 * ContainerObservation. Pure: fed raw JSON captured from a real engine (test/engine/fixtures),
 * so the mapping is tested without one.
 */
import type {
  ContainerObservation,
  ContainerStatus,
  EngineHealthcheck,
  HealthStatus,
} from '../../domain/container-observation.js';
import type { ContainerResources } from '../../domain/container-spec.js';
import { num, record, str, stringMap } from './raw-json.js';

/**
 * podman's compat API already reports Docker's words; libpod's own states can still leak
 * through (and do on some versions), so they are folded into the nearest Docker state.
 */
export function normalizeStatus(raw: unknown): ContainerStatus {
  switch (typeof raw === 'string' ? raw.toLowerCase() : '') {
    case 'created':
    case 'configured':
    case 'initialized':
      return 'created';
    case 'running':
    case 'stopping':
      return 'running';
    case 'paused':
      return 'paused';
    case 'restarting':
      return 'restarting';
    case 'exited':
    case 'stopped':
      return 'exited';
    case 'removing':
      return 'removing';
    case 'dead':
      return 'dead';
    default:
      return 'unknown';
  }
}

/** Podman reports `""` for a container without a health check; anything unknown is none. */
export function normalizeHealth(raw: unknown): HealthStatus {
  switch (typeof raw === 'string' ? raw.toLowerCase() : '') {
    case 'starting':
      return 'starting';
    case 'healthy':
      return 'healthy';
    case 'unhealthy':
      return 'unhealthy';
    default:
      return 'none';
  }
}

/** Engines write the zero time (`0001-01-01T00:00:00Z`) for "never": that is undefined. */
export function parseEngineTime(raw: unknown): number | undefined {
  if (typeof raw !== 'string' || raw === '') return undefined;
  const ms = Date.parse(raw);
  if (!Number.isFinite(ms) || ms <= 0) return undefined;
  return ms;
}

/** `NetworkSettings.IPAddress` (the default bridge), else the first network's address; "" is none. */
export function networkAddress(raw: unknown): string | undefined {
  const settings = record(raw);
  const direct = str(settings?.IPAddress);
  if (direct) return direct;
  const networks = record(settings?.Networks) ?? {};
  for (const network of Object.values(networks)) {
    const address = str(record(network)?.IPAddress);
    if (address) return address;
  }
  return undefined;
}

function stripSlash(name: string): string {
  return name.startsWith('/') ? name.slice(1) : name;
}

/**
 * `GET /containers/{id}/json`. Everything comes from `State` except the image, which is the
 * reference the container was created from (`Config.Image`), not the image id (`Image`):
 * podwarden compares it with the manifest's reference.
 */
export function observationFromInspect(raw: unknown): ContainerObservation {
  const body = record(raw) ?? {};
  const state = record(body.State) ?? {};
  const config = record(body.Config) ?? {};
  const status = normalizeStatus(state.Status);
  const observation: ContainerObservation = {
    id: str(body.Id) ?? '',
    name: stripSlash(str(body.Name) ?? ''),
    image: str(config.Image) ?? str(body.ImageName) ?? str(body.Image) ?? '',
    status,
    health: normalizeHealth(record(state.Health)?.Status),
    labels: stringMap(config.Labels),
  };
  if (typeof state.OOMKilled === 'boolean') observation.oomKilled = state.OOMKilled;
  const ipAddress = networkAddress(body.NetworkSettings);
  if (ipAddress !== undefined) observation.ipAddress = ipAddress;
  const healthcheck = healthcheckFromConfig(config.Healthcheck);
  if (healthcheck !== undefined) observation.healthcheck = healthcheck;
  const resources = resourcesFromHostConfig(body.HostConfig);
  if (resources !== undefined) observation.resources = resources;
  return withRunFacts(observation, {
    pid: num(state.Pid),
    exitCode: num(state.ExitCode),
    startedAt: parseEngineTime(state.StartedAt),
    finishedAt: parseEngineTime(state.FinishedAt),
  });
}

const NANOS_PER_MS = 1_000_000;
const NANO_CPUS_PER_CPU = 1_000_000_000;

/**
 * `Config.Healthcheck` of an inspect: `{Test, Interval, Timeout, Retries, StartPeriod}`, the
 * durations in nanoseconds. Podman 4.3 leaves out the fields the image did not set (the
 * `unhealthy` sample image has no StartPeriod) and the whole object when there is no check.
 */
export function healthcheckFromConfig(raw: unknown): EngineHealthcheck | undefined {
  const body = record(raw);
  const test = Array.isArray(body?.Test) ? body.Test.filter((part): part is string => typeof part === 'string') : [];
  if (!body || test.length === 0) return undefined;
  const healthcheck: EngineHealthcheck = { test };
  const ms = (value: unknown) => {
    const nanos = num(value);
    return nanos !== undefined && nanos > 0 ? Math.round(nanos / NANOS_PER_MS) : undefined;
  };
  const intervalMs = ms(body.Interval);
  const timeoutMs = ms(body.Timeout);
  const startPeriodMs = ms(body.StartPeriod);
  const retries = num(body.Retries);
  if (intervalMs !== undefined) healthcheck.intervalMs = intervalMs;
  if (timeoutMs !== undefined) healthcheck.timeoutMs = timeoutMs;
  if (retries !== undefined && retries > 0) healthcheck.retries = retries;
  if (startPeriodMs !== undefined) healthcheck.startPeriodMs = startPeriodMs;
  return healthcheck;
}

/** `HostConfig.Memory` (bytes) and `NanoCpus`; 0 is the engine's word for unlimited. */
export function resourcesFromHostConfig(raw: unknown): ContainerResources | undefined {
  const hostConfig = record(raw);
  const memory = num(hostConfig?.Memory);
  const nanoCpus = num(hostConfig?.NanoCpus);
  const resources: ContainerResources = {};
  if (memory !== undefined && memory > 0) resources.memoryBytes = memory;
  if (nanoCpus !== undefined && nanoCpus > 0) resources.cpus = nanoCpus / NANO_CPUS_PER_CPU;
  return Object.keys(resources).length === 0 ? undefined : resources;
}

/**
 * What the human-readable `Status` column of a list entry tells beyond `State`:
 * "Up 5 seconds (healthy)", "Up 2 seconds (health: starting)", "Up 3 seconds (starting)",
 * "Exited (3) 2 seconds ago".
 */
export function parseStatusText(text: unknown): { health: HealthStatus; exitCode?: number } {
  const value = typeof text === 'string' ? text : '';
  const healthMatch = /\((?:health:\s*)?(healthy|unhealthy|starting)\)/i.exec(value);
  const exitMatch = /^\s*Exited\s*\((-?\d+)\)/i.exec(value);
  const result: { health: HealthStatus; exitCode?: number } = {
    health: normalizeHealth(healthMatch?.[1]),
  };
  if (exitMatch?.[1] !== undefined) result.exitCode = Number(exitMatch[1]);
  return result;
}

/**
 * One entry of `GET /containers/json?all=true`. `State` is the state word; health and exit
 * code exist only inside the `Status` text (see parseStatusText). `StartedAt`/`FinishedAt`
 * are podman-only extras (unix seconds) and are used when present. The list has no pid and
 * no OOM flag: callers that need them inspect.
 */
export function observationFromListEntry(raw: unknown): ContainerObservation {
  const body = record(raw) ?? {};
  const names = Array.isArray(body.Names) ? body.Names.filter((n) => typeof n === 'string') : [];
  const status = normalizeStatus(body.State);
  const parsed = parseStatusText(body.Status);
  const observation: ContainerObservation = {
    id: str(body.Id) ?? '',
    name: stripSlash(names[0] ?? ''),
    image: str(body.Image) ?? '',
    status,
    health: parsed.health,
    labels: stringMap(body.Labels),
  };
  if (parsed.exitCode !== undefined && (status === 'exited' || status === 'dead')) {
    observation.exitCode = parsed.exitCode;
  }
  const startedAt = unixSecondsToMs(body.StartedAt);
  if (startedAt !== undefined) observation.startedAt = startedAt;
  const finishedAt = unixSecondsToMs(body.FinishedAt);
  if (finishedAt !== undefined) observation.finishedAt = finishedAt;
  return observation;
}

/**
 * One entry of podman's `GET /libpod/containers/json?all=true`. Unlike the compat list it
 * carries health (`Status` is the health word, `""` without a check), the exit code
 * (`ExitCode` with `Exited`), the pid and start/exit times in unix seconds (the zero time,
 * -62135596800, for never). `Names` have no leading slash.
 */
export function observationFromLibpodListEntry(raw: unknown): ContainerObservation {
  const body = record(raw) ?? {};
  const names = Array.isArray(body.Names) ? body.Names.filter((n) => typeof n === 'string') : [];
  const status = normalizeStatus(body.State);
  const observation: ContainerObservation = {
    id: str(body.Id) ?? '',
    name: stripSlash(names[0] ?? ''),
    image: str(body.Image) ?? '',
    status,
    health: normalizeHealth(body.Status),
    labels: stringMap(body.Labels),
  };
  return withRunFacts(observation, {
    pid: num(body.Pid),
    exitCode: num(body.ExitCode),
    startedAt: unixSecondsToMs(body.StartedAt),
    finishedAt: unixSecondsToMs(body.ExitedAt),
  });
}

/** Adds what the engine knows of the container's process, leaving out what it does not. */
function withRunFacts(
  observation: ContainerObservation,
  facts: { pid?: number; exitCode?: number; startedAt?: number; finishedAt?: number },
): ContainerObservation {
  if (facts.pid !== undefined) observation.pid = facts.pid;
  // A container that never ran reports ExitCode 0: that is no exit, so leave it out.
  if (facts.exitCode !== undefined && (observation.status === 'exited' || observation.status === 'dead')) {
    observation.exitCode = facts.exitCode;
  }
  if (facts.startedAt !== undefined) observation.startedAt = facts.startedAt;
  if (facts.finishedAt !== undefined) observation.finishedAt = facts.finishedAt;
  return observation;
}

function unixSecondsToMs(raw: unknown): number | undefined {
  const seconds = num(raw);
  return seconds !== undefined && seconds > 0 ? seconds * 1000 : undefined;
}
