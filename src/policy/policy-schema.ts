import path from 'node:path';
import * as z from 'zod';
import { describeValue } from '../manifest/errors.js';
import { APP_ID_PATTERN, CAPABILITY_PATTERN } from '../manifest/field-formats.js';

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

const CONTAINER_KEY = new RegExp(`^${APP_ID_PATTERN.source.slice(1, -1)}(?:/${APP_ID_PATTERN.source.slice(1, -1)})?$`);

const hostPath = z
  .string()
  .max(1024)
  .transform((text, ctx) => {
    if (!text.startsWith('/') || text.includes('\0') || text.split('/').includes('..')) {
      ctx.addIssue({
        code: 'custom',
        message: `${describeValue(text)} is not an absolute host path without ".."`,
        input: text,
      });
      return z.NEVER;
    }
    const normalised = path.posix.normalize(text);
    return normalised.length > 1 && normalised.endsWith('/') ? normalised.slice(0, -1) : normalised;
  });

const bindRule = z.union([
  hostPath.transform((p): BindRule => ({ path: p, readOnly: false })),
  z.strictObject({ path: hostPath, readOnly: z.boolean().default(false) }),
]);

const containerRules = z
  .strictObject({
    bind: z.array(bindRule).max(256).default([]),
    capAdd: z
      .array(
        z.string().regex(CAPABILITY_PATTERN, {
          error: (iss) => `${describeValue(iss.input)} is not a capability name (expected e.g. NET_ADMIN)`,
        }),
      )
      .max(64)
      .default([]),
    hostNetwork: z.boolean({ error: 'hostNetwork must be true or false' }).default(false),
  })
  .transform((rules): ContainerRules => ({ ...rules, capAdd: rules.capAdd.map(capabilityName) }));

export const policyFileSchema = z.strictObject(
  {
    apps: z
      .record(
        z
          .string()
          .regex(CONTAINER_KEY, { error: (iss) => `${describeValue(iss.input)} is not an app id or "app/companion"` }),
        containerRules,
      )
      .default({}),
  },
  {
    error: (iss) =>
      iss.code === 'invalid_type' ? 'a policy file is a mapping with an "apps" key at the top' : undefined,
  },
);

/** `CAP_NET_ADMIN` and `NET_ADMIN` are one capability. */
export function capabilityName(name: string): string {
  return name.startsWith('CAP_') ? name.slice(4) : name;
}
