import { describe, expect, it } from 'vitest';
import { createNetworkTargets } from '../../src/effects/probes/probe-target.js';
import type { ContainerObservation } from '../../src/domain/container-observation.js';
import type { EngineInfo } from '../../src/engine/port.js';
import type { AppSpec } from '../../machines/types.js';
import { containerSpec } from '../support/container-spec.js';

function spec(container: Partial<AppSpec['container']> = {}): AppSpec {
  return {
    appId: 'web',
    specHash: 'h',
    container: containerSpec('web', 'x', container),
  } as AppSpec;
}

function engine(info: Partial<EngineInfo>, ipAddress?: string) {
  let pings = 0;
  return {
    pings: () => pings,
    ping: async (): Promise<EngineInfo> => {
      pings += 1;
      return { flavor: 'podman', version: '5.4.2', ...info };
    },
    inspect: async () => ({ ipAddress }) as ContainerObservation,
  };
}

const published = { ports: [{ hostPort: 18080, containerPort: 8080, protocol: 'tcp' as const }] };

describe('where an http/tcp probe connects', () => {
  it("rootful: the container's own address, which needs no published port", async () => {
    expect(await createNetworkTargets(engine({ rootless: false }, '10.88.0.5'))(spec(published), 'id', 8080)).toEqual({
      host: '10.88.0.5',
      port: 8080,
    });
  });

  it('rootful without an address: the published port on loopback, or the bound address', async () => {
    const targets = createNetworkTargets(engine({ rootless: false }));
    expect(await targets(spec(published), 'id', 8080)).toEqual({ host: '127.0.0.1', port: 18080 });
    const bound = {
      ports: [{ hostIp: '192.168.1.2', hostPort: 18080, containerPort: 8080, protocol: 'tcp' as const }],
    };
    expect(await targets(spec(bound), 'id', 8080)).toEqual({ host: '192.168.1.2', port: 18080 });
  });

  it("rootless: the published port even when the container has an address (it is in the user's namespace)", async () => {
    expect(await createNetworkTargets(engine({ rootless: true }, '10.89.0.2'))(spec(published), 'id', 8080)).toEqual({
      host: '127.0.0.1',
      port: 18080,
    });
  });

  it('rootless and not published: a failure that says what to do', async () => {
    await expect(createNetworkTargets(engine({ rootless: true }))(spec(), 'id', 8080)).rejects.toThrow(
      /port 8080 is not published.*publish it/,
    );
  });

  it('host network: the port on the host itself, rootless or not', async () => {
    expect(await createNetworkTargets(engine({ rootless: true }))(spec({ network: 'host' }), 'id', 9000)).toEqual({
      host: '127.0.0.1',
      port: 9000,
    });
  });

  it('asks the engine what it is once', async () => {
    const fake = engine({ rootless: false }, '10.88.0.5');
    const targets = createNetworkTargets(fake);
    await targets(spec(), 'a', 1);
    await targets(spec(), 'b', 2);
    expect(fake.pings()).toBe(1);
  });
});
