import type { AppSpec } from '../../../machines/types.js';
import type { EnginePort } from '../../engine/port.js';

export interface NetworkTarget {
  host: string;
  port: number;
}

/**
 * Where an http/tcp probe of `containerPort` connects: the container's own address on its
 * network (rootful podman's bridge, 10.88.x.x here), so the probe needs no published port;
 * when the container has none (host network, or rootless without one), the host port that
 * publishes `containerPort`, on loopback unless it is bound to a specific address.
 */
export async function networkTarget(engine: EnginePort, spec: AppSpec, containerId: string, containerPort: number): Promise<NetworkTarget> {
  const seen = await engine.inspect(containerId);
  if (seen?.ipAddress) return { host: seen.ipAddress, port: containerPort };
  const published = spec.container.ports.find((port) => port.containerPort === containerPort && port.protocol === 'tcp');
  if (published) {
    const host = published.hostIp && published.hostIp !== '0.0.0.0' && published.hostIp !== '::' ? published.hostIp : '127.0.0.1';
    return { host, port: published.hostPort };
  }
  // Host network: the app listens on the host itself.
  return { host: '127.0.0.1', port: containerPort };
}
