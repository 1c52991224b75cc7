// The owner's host policy as podwarden uses it: plain types and constants, no schema, so the
// daemon's main thread can hold a policy without loading zod (the file is checked on the reader
// thread: policy-schema.ts, read-policy-text.ts).

/**
 * The owner's host policy file: which app may reach which part of the host. Everything a
 * manifest asks for beyond its own data dir and named volumes is refused unless a rule here
 * allows it (docs/policy.md). Keys are an app id (`bitcoind`: the app's own container) or an
 * app id and a companion id (`bitcoind/ui`): a companion gets no right its app was given.
 */

/** A host path an app may bind: this folder (or file) and everything below it. */
export interface BindRule {
  path: string;
  /** Only `:ro` mounts of it. */
  readOnly: boolean;
}

export interface ContainerRules {
  bind: BindRule[];
  /** Capability names without the CAP_ prefix; `ALL` allows any. */
  capAdd: string[];
  hostNetwork: boolean;
}

export interface HostPolicy {
  /** Where the rules were read; undefined when there is no policy file (nothing is allowed). */
  file?: string;
  apps: Record<string, ContainerRules>;
}

export const NO_POLICY: HostPolicy = { apps: {} };

/** `CAP_NET_ADMIN` and `NET_ADMIN` are one capability. */
export function capabilityName(name: string): string {
  return name.startsWith('CAP_') ? name.slice(4) : name;
}
