import type { ContainerSpec } from '../../domain/container-spec.js';
import type { Json } from './raw-json.js';

const NANOS_PER_SECOND = 1_000_000_000;
/** `HostConfig.NanoCpus` counts billionths of a CPU. */
const NANO_CPUS_PER_CPU = 1_000_000_000;

function isAbsolutePath(source: string): boolean {
  return source.startsWith('/');
}

/**
 * The body of `POST /containers/create` for `spec` (the name goes in the query string).
 * Mounts use `HostConfig.Mounts` with an explicit type, so a typo'd relative path can never
 * be taken for a volume name by the engine's `Binds` parser or vice versa: absolute source →
 * bind mount, anything else → named volume (created by the engine on first use).
 */
export function containerCreateBody(spec: ContainerSpec): Json {
  const exposedPorts: Record<string, Json> = {};
  const portBindings: Record<string, Array<{ HostIp?: string; HostPort: string }>> = {};
  for (const port of spec.ports) {
    const key = `${port.containerPort}/${port.protocol}`;
    exposedPorts[key] = {};
    const binding: { HostIp?: string; HostPort: string } = { HostPort: String(port.hostPort) };
    if (port.hostIp !== undefined && port.hostIp !== '') binding.HostIp = port.hostIp;
    (portBindings[key] ??= []).push(binding);
  }
  const tmpfs: Record<string, string> = {};
  for (const target of spec.tmpfs) tmpfs[target] = '';

  const hostConfig: Json = {
    PortBindings: portBindings,
    Mounts: spec.mounts.map((mount) => ({
      Type: isAbsolutePath(mount.source) ? 'bind' : 'volume',
      Source: mount.source,
      Target: mount.target,
      ReadOnly: mount.readOnly,
    })),
    Tmpfs: tmpfs,
    CapAdd: [...spec.capAdd],
  };
  if (spec.network !== undefined && spec.network !== '') hostConfig.NetworkMode = spec.network;
  if (spec.resources?.memoryBytes !== undefined) hostConfig.Memory = spec.resources.memoryBytes;
  if (spec.resources?.cpus !== undefined) hostConfig.NanoCpus = Math.round(spec.resources.cpus * NANO_CPUS_PER_CPU);

  const body: Json = {
    Image: spec.image,
    Env: Object.entries(spec.env).map(([key, value]) => `${key}=${value}`),
    Labels: { ...spec.labels },
    ExposedPorts: exposedPorts,
    HostConfig: hostConfig,
  };
  if (spec.command !== undefined) body.Cmd = [...spec.command];
  if (spec.entrypoint !== undefined) body.Entrypoint = [...spec.entrypoint];
  if (spec.user !== undefined && spec.user !== '') body.User = spec.user;
  if (spec.stopTimeoutSeconds !== undefined) body.StopTimeout = spec.stopTimeoutSeconds;
  if (spec.healthcheck) {
    const hc = spec.healthcheck;
    const first = hc.test[0];
    const test = first === 'CMD' || first === 'CMD-SHELL' || first === 'NONE' ? [...hc.test] : ['CMD', ...hc.test];
    body.Healthcheck = {
      Test: test,
      Interval: hc.intervalSeconds * NANOS_PER_SECOND,
      Timeout: hc.timeoutSeconds * NANOS_PER_SECOND,
      Retries: hc.retries,
      StartPeriod: hc.startPeriodSeconds * NANOS_PER_SECOND,
    };
  }
  return body;
}
