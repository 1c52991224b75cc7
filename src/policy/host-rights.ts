import type { AppContainer, AppManifest } from '../manifest/schema.js';
import { capabilityName } from './policy-types.js';

/**
 * What a manifest asks of the host beyond its own data dir and named volumes: the settings the
 * owner's policy must allow. Everything else a container field can say stays inside the
 * container or the app's own storage (see CONTAINER_FIELDS: a field the schema grows must be
 * placed in one list or the other, and a test keeps the two lists whole).
 */
export type HostRight =
  | { kind: 'bind'; field: string; source: string; readOnly: boolean }
  | { kind: 'capability'; field: string; name: string }
  | { kind: 'host-network'; field: string };

/** The rights one container asks for; `key` is how the policy names it (`bitcoind`, `bitcoind/ui`). */
export interface ContainerRights {
  key: string;
  rights: HostRight[];
}

/** Container fields that can reach the host, and those that cannot. */
export const CONTAINER_FIELDS = {
  hostReaching: ['volumes', 'capAdd', 'network'],
  confined: [
    'image',
    'build',
    'pullPolicy',
    'command',
    'entrypoint',
    'env',
    'ports',
    'tmpfs',
    'user',
    'stopTimeout',
    'healthcheck',
    'resources',
  ],
} as const;

function containerRights(container: AppContainer, prefix: string): HostRight[] {
  const rights: HostRight[] = [];
  container.volumes.forEach((volume, i) => {
    if (volume.kind === 'host')
      rights.push({ kind: 'bind', field: `${prefix}.volumes[${i}]`, source: volume.source, readOnly: volume.readOnly });
  });
  container.capAdd.forEach((name, i) =>
    rights.push({ kind: 'capability', field: `${prefix}.capAdd[${i}]`, name: capabilityName(name) }),
  );
  // podman reads the network mode "host" in any case; so does this check.
  if (container.network?.toLowerCase() === 'host') rights.push({ kind: 'host-network', field: `${prefix}.network` });
  return rights;
}

/** Every container of the manifest with the rights it asks for (none for most apps). */
export function manifestRights(manifest: AppManifest): ContainerRights[] {
  return [
    { key: manifest.id, rights: containerRights(manifest.container, 'app.container') },
    ...manifest.companions.map((companion, i) => ({
      key: `${manifest.id}/${companion.id}`,
      rights: containerRights(companion.container, `app.companions[${i}].container`),
    })),
  ];
}

/** A right in a few words, for status, explain and logs: `bind /mnt/blockchain (read-only)`. */
export function describeRight(right: HostRight): string {
  switch (right.kind) {
    case 'bind':
      return `bind ${right.source} (${right.readOnly ? 'read-only' : 'read-write'})`;
    case 'capability':
      return `capability ${right.name}`;
    case 'host-network':
      return 'the host network';
  }
}
