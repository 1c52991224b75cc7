/**
 * Labels are how podwarden knows what it owns: it lists, watches and touches only containers
 * whose `owner` label carries its instance name, so two instances (or a test run beside a
 * daemon) on one engine never see each other's containers.
 */
export const LABELS = {
  owner: 'io.podwarden.owner',
  app: 'io.podwarden.app',
  role: 'io.podwarden.role',
  companion: 'io.podwarden.companion',
  specHash: 'io.podwarden.spec-hash',
} as const;

export function ownerSelector(instance: string): Record<string, string> {
  return { [LABELS.owner]: instance };
}

/** The owner label value and container-name prefix when the embedder chooses none. */
export const NAMING_DEFAULTS = { instance: 'podwarden', namePrefix: 'podwarden-' } as const;
