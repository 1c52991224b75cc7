import type { ContainerObservation } from '../src/domain/container-observation.js';
import type { AppSpec } from './types.js';
import { LABELS } from '../src/domain/labels.js';

/** The app a container belongs to, from its labels; undefined for one podwarden cannot attribute. */
export function appIdOf(labels: Record<string, string>): string | undefined {
  return labels[LABELS.app] || undefined;
}

/**
 * A container podwarden owns but no installed app claims (uninstalled while podwarden was
 * down, or left behind by a crash) still needs a machine to remove it. Its spec is rebuilt
 * from what the engine shows; it is only ever used to remove the container.
 */
export function orphanSpec(container: ContainerObservation, key?: string): AppSpec {
  const appId = key ?? appIdOf(container.labels) ?? container.name;
  return {
    appId,
    container: {
      name: container.name,
      image: container.image,
      env: {},
      labels: container.labels,
      ports: [],
      mounts: [],
      tmpfs: [],
      capAdd: [],
    },
    image: { ref: container.image, pullPolicy: 'never' },
    specHash: container.labels[LABELS.specHash] ?? '',
  };
}
