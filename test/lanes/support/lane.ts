import { readFileSync } from 'node:fs';

/**
 * An engine lane: one kind of host podwarden is proven on. The same scenario files run on every
 * lane of a vitest project (`PODWARDEN_LANES`, set per project in vitest.config.ts):
 *
 * - `podman`: this machine's rootful podman 4.3 without systemd (scripts/setup-engine.sh);
 * - `systemd-rootful` / `systemd-rootless`: podman 5 under systemd 257 with Quadlet, rootful and
 *   as the lingering user `warden`, inside the test host of scripts/systemd-host.sh;
 * - `docker`: Debian's Docker engine (scripts/setup-docker.sh).
 */
export type LaneId = 'podman' | 'systemd-rootful' | 'systemd-rootless' | 'docker';

export interface Lane {
  id: LaneId;
  /** For test names: what kind of host this is. */
  title: string;
  /** The engine's API socket, as this process reaches it. */
  socketPath: string;
  flavor: 'podman' | 'docker';
  rootless: boolean;
  /** Where the engine pulls the sample images from (the same storage on every lane). */
  registry: string;
  /** The address at which ports the engine publishes are reachable from this process. */
  publishedHost: string;
  /** The systemd host's container on the outer podman, for the systemd lanes. */
  hostContainer?: string;
  /** The user podman runs as inside the systemd host (rootless lane). */
  hostUser?: { name: string; uid: number };
}

const SAMPLE_REGISTRY = '127.0.0.1:5000';
export const SYSTEMD_HOST_ENV = '/run/podwarden-dev/systemd-host/lane.env';
export const DOCKER_SOCKET = '/run/podwarden-dev/docker/docker.sock';

/** The facts scripts/systemd-host.sh wrote; fails with the way out when the host is not up. */
export function systemdHostFacts(): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(SYSTEMD_HOST_ENV, 'utf8');
  } catch {
    throw new Error(`the systemd test host is not up (no ${SYSTEMD_HOST_ENV}): run bash scripts/systemd-host.sh up`);
  }
  const facts: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Z_]+)=(.*)$/.exec(line);
    if (match) facts[match[1]!] = match[2]!;
  }
  return facts;
}

function fact(facts: Record<string, string>, key: string): string {
  const value = facts[key];
  if (value === undefined)
    throw new Error(`${SYSTEMD_HOST_ENV} has no ${key}: run bash scripts/systemd-host.sh up again`);
  return value;
}

export function lane(id: LaneId): Lane {
  switch (id) {
    case 'podman':
      return {
        id,
        title: 'podman 4.3, rootful, no systemd',
        socketPath: process.env.PODWARDEN_SOCKET ?? '/run/podman/podman.sock',
        flavor: 'podman',
        rootless: false,
        registry: process.env.PODWARDEN_REGISTRY ?? SAMPLE_REGISTRY,
        publishedHost: '127.0.0.1',
      };
    case 'docker':
      return {
        id,
        title: 'Docker (Debian docker.io), rootful',
        socketPath: DOCKER_SOCKET,
        flavor: 'docker',
        rootless: false,
        registry: SAMPLE_REGISTRY,
        publishedHost: '127.0.0.1',
      };
    case 'systemd-rootful':
    case 'systemd-rootless': {
      const facts = systemdHostFacts();
      const rootless = id === 'systemd-rootless';
      return {
        id,
        title: `podman ${fact(facts, 'PODWARDEN_HOST_PODMAN')} under systemd, ${rootless ? 'rootless' : 'rootful'}`,
        socketPath: fact(facts, rootless ? 'PODWARDEN_HOST_USER_SOCKET' : 'PODWARDEN_HOST_ROOT_SOCKET'),
        flavor: 'podman',
        rootless,
        registry: SAMPLE_REGISTRY,
        publishedHost: fact(facts, 'PODWARDEN_HOST_ADDRESS'),
        hostContainer: fact(facts, 'PODWARDEN_HOST_CONTAINER'),
        ...(rootless
          ? { hostUser: { name: fact(facts, 'PODWARDEN_HOST_USER'), uid: Number(fact(facts, 'PODWARDEN_HOST_UID')) } }
          : {}),
      };
    }
  }
}

const LANE_IDS: readonly LaneId[] = ['podman', 'systemd-rootful', 'systemd-rootless', 'docker'];

/** The lanes this vitest project runs its lane files on (`PODWARDEN_LANES`, default `podman`). */
export function lanesUnderTest(): Lane[] {
  const ids = (process.env.PODWARDEN_LANES ?? 'podman')
    .split(',')
    .map((id) => id.trim())
    .filter(Boolean);
  for (const id of ids) {
    if (!LANE_IDS.includes(id as LaneId))
      throw new Error(`PODWARDEN_LANES names an unknown lane "${id}" (known: ${LANE_IDS.join(', ')})`);
  }
  return ids.map((id) => lane(id as LaneId));
}
