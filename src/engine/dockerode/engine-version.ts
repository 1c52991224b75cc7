import type { EngineInfo } from '../port.js';
import { record, str } from './raw-json.js';

/**
 * Rootless and who runs health checks, from `GET /info`: `SecurityOptions` lists
 * `name=rootless` for rootless podman (and rootless Docker); podman runs HEALTHCHECKs with
 * systemd timers, so only where its cgroup manager is systemd (on a host without systemd as
 * PID 1 they stay `starting` for ever); Docker runs them itself.
 */
export function engineHostFacts(
  flavor: EngineInfo['flavor'],
  raw: unknown,
): Pick<EngineInfo, 'rootless' | 'runsHealthchecks'> {
  const info = record(raw) ?? {};
  const security = Array.isArray(info.SecurityOptions) ? info.SecurityOptions.map(str) : [];
  return {
    rootless: security.includes('name=rootless'),
    runsHealthchecks: flavor === 'docker' || str(info.CgroupDriver) === 'systemd',
  };
}

/**
 * Engine flavour and version from `GET /version`. Podman lists a component named
 * "Podman Engine" (Docker lists "Engine"); its version is podman's own, and
 * `Details.APIVersion` is the version the libpod endpoints are served under.
 */
export function engineInfoFromVersion(raw: unknown): EngineInfo & { libpodApiVersion?: string } {
  const body = record(raw) ?? {};
  const components = Array.isArray(body.Components) ? body.Components.map(record) : [];
  const podman = components.find((c) => /podman/i.test(str(c?.Name) ?? ''));
  const platformName = str(record(body.Platform)?.Name) ?? '';
  if (podman || /podman/i.test(platformName)) {
    const version = str(podman?.Version) ?? str(body.Version) ?? 'unknown';
    const libpodApiVersion = str(record(podman?.Details)?.APIVersion) ?? version;
    return { flavor: 'podman', version, libpodApiVersion };
  }
  return { flavor: 'docker', version: str(body.Version) ?? 'unknown' };
}
