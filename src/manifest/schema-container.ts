import { isIP } from 'node:net';
import * as z from 'zod';
import type { PortBinding } from '../domain/container-spec.js';
import { describeValue } from './errors.js';
import {
  CAPABILITY_PATTERN,
  ENV_KEY_PATTERN,
  isImageReference,
  NETWORK_NAME_PATTERN,
  parseContainerPath,
  parsePortString,
  parseVolumeString,
  USER_PATTERN,
  VOLUME_FORMAT,
  type VolumeMount,
} from './field-formats.js';
import { FIELD_LIMITS } from './limits.js';
import {
  boundedList,
  boundedString,
  durationSchema,
  nonEmptyString,
  portNumber,
  positiveDuration,
  stringList,
} from './schema-fields.js';
import { resourcesSchema } from './schema-resources.js';

/**
 * `app.container` (and each companion's `container`): what runs and how. Strict objects, like
 * the rest of the manifest; lists and texts bounded (limits.ts).
 */

export const portObjectSchema = z
  .strictObject({
    host: portNumber,
    container: portNumber,
    protocol: z.enum(['tcp', 'udp'], { error: 'protocol must be "tcp" or "udp"' }).default('tcp'),
    hostIp: z
      .string()
      .refine((ip) => isIP(ip) !== 0, { error: 'hostIp must be an IPv4 or IPv6 address' })
      .optional(),
  })
  .transform((p): PortBinding => ({
    ...(p.hostIp !== undefined ? { hostIp: p.hostIp } : {}),
    hostPort: p.host,
    containerPort: p.container,
    protocol: p.protocol,
  }));

const portStringSchema = z.string().transform((text, ctx) => {
  const parsed = parsePortString(text);
  if (parsed.ok) return parsed.value;
  ctx.addIssue({ code: 'custom', message: parsed.message, input: text });
  return z.NEVER;
});

const portSchema = z.union([portStringSchema, portObjectSchema]);

const volumeSchema = z
  .string({ error: (iss) => (iss.input === undefined ? undefined : `expected "${VOLUME_FORMAT}"`) })
  .transform((text, ctx) => {
    const parsed = parseVolumeString(text);
    if (parsed.ok) return parsed.value;
    ctx.addIssue({ code: 'custom', message: parsed.message, input: text });
    return z.NEVER;
  });

const tmpfsSchema = z.string().transform((text, ctx) => {
  const parsed = parseContainerPath(text);
  if (parsed.ok) return parsed.value;
  ctx.addIssue({ code: 'custom', message: parsed.message, input: text });
  return z.NEVER;
});

const envSchema = z
  .record(
    boundedString('an environment variable name', FIELD_LIMITS.envKey).regex(ENV_KEY_PATTERN, {
      error: (iss) =>
        `invalid environment variable name ${describeValue(iss.input)} (letters, digits and "_", not starting with a digit)`,
    }),
    z
      .union([boundedString('an environment value', FIELD_LIMITS.envValue), z.number(), z.boolean()], {
        error: 'expected a string, number or boolean',
      })
      .transform((value) => String(value)),
  )
  .refine((env) => Object.keys(env).length <= FIELD_LIMITS.envEntries, {
    error: (iss) =>
      `env must have at most ${FIELD_LIMITS.envEntries} entries, got ${Object.keys(iss.input as object).length}`,
  });

const imageRefSchema = (field: string) =>
  z.string().refine(isImageReference, {
    error: (iss) =>
      `${describeValue(iss.input)} is not a valid ${field} (expected e.g. "docker.io/library/nginx:1.27")`,
  });

/**
 * A path read from disk on the host (a build context, a Containerfile): relative to `base`,
 * without "..". Where it leads on disk (symbolic links) is checked when the catalog is read
 * and again before use: src/manifest/confine-paths.ts.
 */
export const relativePath = (what: string, base: string) =>
  nonEmptyString(what).superRefine((text, ctx) => {
    const problem = relativePathProblem(text, what, base);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem, input: text });
  });

export function relativePathProblem(text: string, what: string, base: string): string | undefined {
  if (text.includes('\0')) return `${what} must not contain a NUL character`;
  if (text.startsWith('/')) return `${describeValue(text)} is an absolute path; ${what} must be relative to ${base}`;
  if (text.split('/').includes('..')) return `${describeValue(text)} contains ".."; ${what} must stay inside ${base}`;
  return undefined;
}

export const buildSchema = z.strictObject({
  context: relativePath('build.context', "the manifest's folder"),
  containerfile: relativePath('build.containerfile', 'the build context').optional(),
  tag: imageRefSchema('image tag').optional(),
});

const healthcheckTestSchema = stringList(
  'test',
  '[CMD-SHELL, "wget -q -O /dev/null http://127.0.0.1:8080/"]',
).superRefine((test, ctx) => {
  const [kind] = test;
  if (kind === 'CMD' && test.length >= 2) return;
  if (kind === 'CMD-SHELL' && test.length === 2) return;
  ctx.addIssue({
    code: 'custom',
    message:
      kind === 'CMD-SHELL'
        ? 'a CMD-SHELL test takes exactly one shell command: [CMD-SHELL, "..."]'
        : 'test must start with CMD (followed by the program and its arguments) or CMD-SHELL (followed by one shell command)',
  });
});

export const healthcheckSchema = z
  .strictObject({
    test: healthcheckTestSchema,
    interval: positiveDuration('interval').default(30_000),
    timeout: positiveDuration('timeout').default(30_000),
    retries: z
      .number()
      .int({ error: 'retries must be a whole number' })
      .min(1, { error: 'retries must be at least 1' })
      .default(3),
    startPeriod: durationSchema.default(0),
  })
  .transform((h) => ({
    test: h.test,
    intervalMs: h.interval,
    timeoutMs: h.timeout,
    retries: h.retries,
    startPeriodMs: h.startPeriod,
  }));

export const containerSchema = z
  .strictObject({
    image: imageRefSchema('image reference').optional(),
    build: buildSchema.optional(),
    pullPolicy: z
      .enum(['always', 'if-not-present', 'never'], {
        error: (iss) => `expected "always", "if-not-present" or "never", got ${describeValue(iss.input)}`,
      })
      .default('if-not-present'),
    command: stringList('command', '[sh, -c, "..."]').optional(),
    entrypoint: stringList('entrypoint', '[/bin/sh, -c]').optional(),
    env: envSchema.default({}),
    ports: boundedList(portSchema, 'ports', FIELD_LIMITS.ports).default([]),
    volumes: boundedList(volumeSchema, 'volumes', FIELD_LIMITS.volumes).default([]),
    tmpfs: boundedList(tmpfsSchema, 'tmpfs', FIELD_LIMITS.tmpfs).default([]),
    network: z
      .string()
      .regex(NETWORK_NAME_PATTERN, { error: (iss) => `${describeValue(iss.input)} is not a valid network name` })
      .optional(),
    user: z
      .union([boundedString('user', FIELD_LIMITS.user), z.number().int().nonnegative()], {
        error: 'expected a user like "1000" or "1000:1000"',
      })
      .transform((u) => String(u))
      .refine((u) => USER_PATTERN.test(u), {
        error: (iss) =>
          `${describeValue(iss.input)} is not a valid user (expected e.g. "1000", "1000:1000", "bitcoin")`,
      })
      .optional(),
    capAdd: boundedList(
      z
        .string()
        .max(64)
        .regex(CAPABILITY_PATTERN, {
          error: (iss) => `${describeValue(iss.input)} is not a capability name (expected e.g. NET_ADMIN)`,
        }),
      'capAdd',
      FIELD_LIMITS.capAdd,
    ).default([]),
    stopTimeout: durationSchema.optional(),
    healthcheck: healthcheckSchema.optional(),
    resources: resourcesSchema.optional(),
  })
  .superRefine((c, ctx) => {
    if (c.image === undefined && c.build === undefined) {
      ctx.addIssue({ code: 'custom', message: 'one of "image" or "build" is required, found neither' });
    }
    // With both, the build is tagged as `image` (so a pulled fallback is the same image).
    if (c.image !== undefined && c.build?.tag !== undefined && c.build.tag !== c.image) {
      ctx.addIssue({
        code: 'custom',
        path: ['build', 'tag'],
        message: `with both "image" and "build", the build is tagged as the image; leave build.tag out (or make it ${describeValue(c.image)})`,
      });
    }
    if (c.network === 'host' && c.ports.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['ports'],
        message: 'ports cannot be published with network: host (the app already listens on the host)',
      });
    }
    checkPortClashes(c.ports, ctx);
    checkMountClashes(c.volumes, c.tmpfs, ctx);
  });

function checkPortClashes(ports: readonly PortBinding[], ctx: z.RefinementCtx): void {
  ports.forEach((port, i) => {
    const earlier = ports.findIndex(
      (other, j) =>
        j < i &&
        other.hostPort === port.hostPort &&
        other.protocol === port.protocol &&
        // No hostIp means every address, which clashes with any specific one.
        (other.hostIp === undefined || port.hostIp === undefined || other.hostIp === port.hostIp),
    );
    if (earlier !== -1) {
      ctx.addIssue({
        code: 'custom',
        path: ['ports', i],
        message: `host port ${port.hostPort}/${port.protocol} is already published by ports[${earlier}]`,
      });
    }
  });
}

function checkMountClashes(volumes: readonly VolumeMount[], tmpfs: readonly string[], ctx: z.RefinementCtx): void {
  const seen = new Map<string, string>();
  const claim = (target: string, where: (string | number)[]) => {
    const first = seen.get(target);
    if (first !== undefined) {
      ctx.addIssue({ code: 'custom', path: where, message: `${target} is already mounted by ${first}` });
    } else {
      seen.set(target, where.length === 2 ? `${where[0]}[${where[1]}]` : String(where[0]));
    }
  };
  volumes.forEach((v, i) => claim(v.target, ['volumes', i]));
  tmpfs.forEach((t, i) => claim(t, ['tmpfs', i]));
}
