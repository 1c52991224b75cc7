import type { AppSpec } from '../../../machines/types.js';
import type { EngineInfo, EnginePort } from '../../engine/port.js';

export interface NetworkTarget {
  host: string;
  port: number;
}

export type NetworkTargets = (spec: AppSpec, containerId: string, containerPort: number) => Promise<NetworkTarget>;

/** The host port that publishes `containerPort`, on loopback unless bound to a specific address. */
function publishedTarget(spec: AppSpec, containerPort: number): NetworkTarget | undefined {
  const published = spec.container.ports.find(
    (port) => port.containerPort === containerPort && port.protocol === 'tcp',
  );
  if (!published) return undefined;
  const host =
    published.hostIp && published.hostIp !== '0.0.0.0' && published.hostIp !== '::' ? published.hostIp : '127.0.0.1';
  return { host, port: published.hostPort };
}

/**
 * Where an http/tcp probe of `containerPort` connects.
 * - Host network: the app listens on the host itself.
 * - Rootless engine: its containers' addresses live in the user's network namespace (pasta, or
 *   a bridge inside it), which podwarden's cannot reach; only a published port can be probed.
 * - Rootful: the container's own address on its network (the bridge, 10.88.x.x here), so the
 *   probe needs no published port; the published port when it has no address.
 * The engine's facts are asked once (again after a failed ask).
 */
export function createNetworkTargets(engine: Pick<EnginePort, 'ping' | 'inspect'>): NetworkTargets {
  let facts: Promise<EngineInfo> | undefined;
  const engineFacts = () => {
    const asked = (facts ??= engine.ping());
    asked.catch(() => {
      if (facts === asked) facts = undefined;
    });
    return asked;
  };
  return async (spec, containerId, containerPort) => {
    if (spec.container.network === 'host') return { host: '127.0.0.1', port: containerPort };
    const published = publishedTarget(spec, containerPort);
    if ((await engineFacts()).rootless) {
      if (published) return published;
      throw new Error(
        `port ${containerPort} is not published: a rootless engine's containers cannot be reached by their own address; ` +
          `publish it (container.ports) to probe it`,
      );
    }
    const seen = await engine.inspect(containerId);
    if (seen?.ipAddress) return { host: seen.ipAddress, port: containerPort };
    return published ?? { host: '127.0.0.1', port: containerPort };
  };
}
