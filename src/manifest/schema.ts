import { isIP } from 'node:net';
import path from 'node:path';
import * as z from 'zod';
import type { BuildSpec, PortBinding } from '../engine/port.js';
import { durationSchema, nonEmptyString, portNumber, positiveDuration, stringList } from './schema-fields.js';
import { renderedFileSchema, renderedFilesSchema, requirementsSchema, valuesFileSchema } from './schema-files.js';
import { probesSchema } from './schema-probes.js';
import { resourcesSchema } from './schema-resources.js';
import {
  APP_ID_PATTERN,
  CAPABILITY_PATTERN,
  defaultBuildTag,
  ENV_KEY_PATTERN,
  isImageReference,
  NETWORK_NAME_PATTERN,
  parseContainerPath,
  parsePortString,
  parseVolumeString,
  USER_PATTERN,
  VERSION_PATTERN,
  VOLUME_FORMAT,
  type VolumeMount,
} from './field-formats.js';

/**
 * The app manifest: one app per YAML file, `app:` at the top. Every object is strict, so a
 * misspelt field is an error instead of a silently ignored setting. The parsed result is
 * normalised: env values are strings, durations are milliseconds, ports and volumes are
 * objects, and the image to run is always known (`container.image`, the build tag for builds).
 */

// ---------------------------------------------------------------------------------------------
// Field schemas

const portObjectSchema = z
  .strictObject({
    host: portNumber,
    container: portNumber,
    protocol: z.enum(['tcp', 'udp'], { error: 'protocol must be "tcp" or "udp"' }).default('tcp'),
    hostIp: z
      .string()
      .refine((ip) => isIP(ip) !== 0, { error: 'hostIp must be an IPv4 or IPv6 address' })
      .optional(),
  })
  .transform(
    (p): PortBinding => ({
      ...(p.hostIp !== undefined ? { hostIp: p.hostIp } : {}),
      hostPort: p.host,
      containerPort: p.container,
      protocol: p.protocol,
    }),
  );

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

const envSchema = z.record(
  z.string().regex(ENV_KEY_PATTERN, {
    error: (iss) =>
      `invalid environment variable name ${JSON.stringify(iss.input)} (letters, digits and "_", not starting with a digit)`,
  }),
  z
    .union([z.string(), z.number(), z.boolean()], { error: 'expected a string, number or boolean' })
    .transform((value) => String(value)),
);

const imageRefSchema = (field: string) =>
  z.string().refine(isImageReference, {
    error: (iss) =>
      `${JSON.stringify(iss.input)} is not a valid ${field} (expected e.g. "docker.io/library/nginx:1.27")`,
  });

export const buildSchema = z.strictObject({
  context: nonEmptyString('build.context'),
  containerfile: nonEmptyString('build.containerfile').optional(),
  tag: imageRefSchema('image tag').optional(),
});

const healthcheckTestSchema = stringList('test', '[CMD-SHELL, "wget -q -O /dev/null http://127.0.0.1:8080/"]').superRefine(
  (test, ctx) => {
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
  },
);

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
        error: (iss) => `expected "always", "if-not-present" or "never", got ${JSON.stringify(iss.input)}`,
      })
      .default('if-not-present'),
    command: stringList('command', '[sh, -c, "..."]').optional(),
    entrypoint: stringList('entrypoint', '[/bin/sh, -c]').optional(),
    env: envSchema.default({}),
    ports: z.array(portSchema).default([]),
    volumes: z.array(volumeSchema).default([]),
    tmpfs: z.array(tmpfsSchema).default([]),
    network: z
      .string()
      .regex(NETWORK_NAME_PATTERN, { error: (iss) => `${JSON.stringify(iss.input)} is not a valid network name` })
      .optional(),
    user: z
      .union([z.string(), z.number().int().nonnegative()], { error: 'expected a user like "1000" or "1000:1000"' })
      .transform((u) => String(u))
      .refine((u) => USER_PATTERN.test(u), {
        error: (iss) => `${JSON.stringify(iss.input)} is not a valid user (expected e.g. "1000", "1000:1000", "bitcoin")`,
      })
      .optional(),
    capAdd: z
      .array(
        z.string().regex(CAPABILITY_PATTERN, {
          error: (iss) => `${JSON.stringify(iss.input)} is not a capability name (expected e.g. NET_ADMIN)`,
        }),
      )
      .default([]),
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
        message: `with both "image" and "build", the build is tagged as the image; leave build.tag out (or make it ${JSON.stringify(c.image)})`,
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

const appIdSchema = z.string().regex(APP_ID_PATTERN, {
  error: (iss) =>
    `${JSON.stringify(iss.input)} is not a valid app id (lower-case letters, digits and "-", starting with a letter, at most 40 characters)`,
});

/**
 * A companion: a small container (a web UI, an exporter) that belongs to its app. It is
 * described with the very same container fields as the app, so it is built by the same code.
 */
export const companionSchema = z.strictObject({
  id: z.string().regex(APP_ID_PATTERN, {
    error: (iss) =>
      `${JSON.stringify(iss.input)} is not a valid companion id (lower-case letters, digits and "-", starting with a letter, at most 40 characters)`,
  }),
  name: nonEmptyString('name').optional(),
  container: containerSchema,
  files: renderedFilesSchema.optional(),
  values: valuesFileSchema.optional(),
});

export const appSchema = z
  .strictObject({
    id: appIdSchema,
    name: nonEmptyString('name'),
    version: z
      .union([z.string(), z.number()], { error: 'expected a version like "1.2.3"' })
      .transform((v) => String(v))
      .refine((v) => VERSION_PATTERN.test(v), {
        error: (iss) =>
          `${JSON.stringify(iss.input)} is not a valid version (letters, digits, ".", "_", "+" and "-", at most 64 characters)`,
      }),
    description: z.string().optional(),
    container: containerSchema,
    /** Apps that must be ready before this one is created or (re)started. */
    dependsOn: z.array(appIdSchema).default([]),
    companions: z.array(companionSchema).default([]),
    probes: probesSchema.optional(),
    files: renderedFilesSchema.optional(),
    values: valuesFileSchema.optional(),
    requirements: requirementsSchema.optional(),
  })
  .superRefine((app, ctx) => {
    app.dependsOn.forEach((dependency, i) => {
      if (dependency === app.id) ctx.addIssue({ code: 'custom', path: ['dependsOn', i], message: 'an app cannot depend on itself' });
      else if (app.dependsOn.indexOf(dependency) < i) {
        ctx.addIssue({ code: 'custom', path: ['dependsOn', i], message: `"${dependency}" is listed twice` });
      }
    });
    const seen = new Map<string, number>();
    app.companions.forEach((companion, i) => {
      const first = seen.get(companion.id);
      if (first !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['companions', i, 'id'], message: `duplicate companion id "${companion.id}": companions[${first}] already uses it` });
      } else seen.set(companion.id, i);
    });
  });

const manifestFileShape = z.strictObject(
  { app: appSchema },
  {
    error: (iss) =>
      iss.code === 'invalid_type' ? 'a manifest must be a mapping with an "app" key at the top' : undefined,
  },
);

/**
 * The schema of a whole manifest file. `baseDir` is the folder of the file: a build context is
 * relative to it.
 */
export function manifestFileSchema(baseDir: string) {
  return manifestFileShape.transform(({ app }) => ({
    app: {
      ...app,
      ...(app.files !== undefined ? { files: resolveTemplateFiles(app.files, baseDir) } : {}),
      container: normaliseContainer(app.container, baseDir, defaultBuildTag(app.id, app.version)),
      companions: app.companions.map((companion) => ({
        ...companion,
        ...(companion.files !== undefined ? { files: resolveTemplateFiles(companion.files, baseDir) } : {}),
        container: normaliseContainer(companion.container, baseDir, defaultBuildTag(`${app.id}-${companion.id}`, app.version)),
      })),
    },
  }));
}

/** Template files are named relative to the manifest's folder. */
function resolveTemplateFiles(files: z.output<typeof renderedFilesSchema>, baseDir: string) {
  return files.map((file) =>
    file.templateFile !== undefined ? { ...file, templateFile: path.resolve(baseDir, file.templateFile) } : file,
  );
}

/** The image to run is always known: the build tag for builds; durations in milliseconds. */
function normaliseContainer(parsed: z.output<typeof containerSchema>, baseDir: string, defaultTag: string) {
  const { image, build, stopTimeout, ...container } = parsed;
  let buildSpec: BuildSpec | undefined;
  let runImage: string;
  if (build !== undefined) {
    runImage = image ?? build.tag ?? defaultTag;
    buildSpec = {
      tag: runImage,
      context: path.resolve(baseDir, build.context),
      ...(build.containerfile !== undefined ? { containerfile: build.containerfile } : {}),
    };
  } else {
    // The container schema guarantees at least one of the two.
    runImage = image!;
  }
  return {
    image: runImage,
    ...(buildSpec !== undefined ? { build: buildSpec } : {}),
    // A build that fails (or whose context is missing) falls back to pulling `image`.
    ...(buildSpec !== undefined && image !== undefined ? { pullFallback: true } : {}),
    ...container,
    ...(stopTimeout !== undefined ? { stopTimeoutMs: stopTimeout } : {}),
  };
}

export type ManifestFile = z.output<ReturnType<typeof manifestFileSchema>>;
/** A parsed, normalised app manifest. `container.image` is what runs; `container.build`, when present, says how to make it. */
export type AppManifest = ManifestFile['app'];
export type AppContainer = AppManifest['container'];
export type CompanionManifest = AppManifest['companions'][number];
export type Healthcheck = NonNullable<AppContainer['healthcheck']>;
export type PullPolicy = AppContainer['pullPolicy'];

/** The fields allowed at a path, for "did you mean" hints on unknown fields. */
export function knownManifestKeys(at: readonly PropertyKey[]): readonly string[] {
  const key = at.map((segment) => (typeof segment === 'number' ? '[]' : String(segment))).join('.');
  switch (key) {
    case '':
      return Object.keys(manifestFileShape.shape);
    case 'app':
      return Object.keys(appSchema.shape);
    case 'app.companions.[]':
      return Object.keys(companionSchema.shape);
    case 'app.container':
    case 'app.companions.[].container':
      return Object.keys(containerSchema.shape);
    case 'app.files.[]':
      return Object.keys(renderedFileSchema.shape);
    case 'app.requirements':
      return Object.keys(requirementsSchema.in.shape);
    case 'app.container.build':
    case 'app.companions.[].container.build':
      return Object.keys(buildSchema.shape);
    case 'app.container.healthcheck':
      return Object.keys(healthcheckSchema.in.shape);
    case 'app.container.resources':
    case 'app.companions.[].container.resources':
      return Object.keys(resourcesSchema.in.shape);
    case 'app.container.ports.[]':
      return Object.keys(portObjectSchema.in.shape);
    case 'app.probes':
      return Object.keys(probesSchema.shape);
    case 'app.probes.startup':
    case 'app.probes.liveness':
    case 'app.probes.readiness':
      return ['http', 'tcp', 'exec', 'interval', 'timeout', 'failureThreshold', 'successThreshold', 'startPeriod'];
    default:
      return [];
  }
}
/** A file rendered into the app's data dir before every start; `templateFile` is absolute. */
export type RenderedFileDecl = NonNullable<AppManifest['files']>[number];
