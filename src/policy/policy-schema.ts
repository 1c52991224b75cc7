import path from 'node:path';
import * as z from 'zod';
import { describeValue } from '../manifest/errors.js';
import { APP_ID_PATTERN, CAPABILITY_PATTERN } from '../manifest/field-formats.js';
import { capabilityName, type BindRule, type ContainerRules } from './policy-types.js';

export { capabilityName, NO_POLICY } from './policy-types.js';
export type { BindRule, ContainerRules, HostPolicy } from './policy-types.js';

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
