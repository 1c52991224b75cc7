import path from 'node:path';
import * as z from 'zod';
import type { BuildSpec } from '../engine/port.js';
import { appIdProblem } from './app-id.js';
import { describeValue } from './errors.js';
import { APP_ID_PATTERN, defaultBuildTag, VERSION_PATTERN } from './field-formats.js';
import { FIELD_LIMITS } from './limits.js';
import { buildSchema, containerSchema, healthcheckSchema, portObjectSchema } from './schema-container.js';
import { boundedList, boundedString, displayText } from './schema-fields.js';
import { renderedFileSchema, renderedFilesSchema, requirementsSchema, valuesFileSchema } from './schema-files.js';
import { probesSchema } from './schema-probes.js';
import { resourcesSchema } from './schema-resources.js';
import { updateSchema } from './schema-update.js';

/**
 * The app manifest: one app per YAML file, `app:` at the top. Every object is strict, so a
 * misspelt field is an error instead of a silently ignored setting. The parsed result is
 * normalised: env values are strings, durations are milliseconds, ports and volumes are
 * objects, and the image to run is always known (`container.image`, the build tag for builds).
 */

const appIdSchema = z.string().regex(APP_ID_PATTERN, { error: (iss) => appIdProblem(iss.input) });

/**
 * A companion: a small container (a web UI, an exporter) that belongs to its app. It is
 * described with the very same container fields as the app, so it is built by the same code.
 */
export const companionSchema = z.strictObject({
  id: z.string().regex(APP_ID_PATTERN, { error: (iss) => appIdProblem(iss.input, 'companion id') }),
  name: displayText('name', FIELD_LIMITS.name).optional(),
  container: containerSchema,
  files: renderedFilesSchema.optional(),
  values: valuesFileSchema.optional(),
});

export const appSchema = z
  .strictObject({
    id: appIdSchema,
    name: displayText('name', FIELD_LIMITS.name),
    version: z
      .union([z.string(), z.number()], { error: 'expected a version like "1.2.3"' })
      .transform((v) => String(v))
      .refine((v) => VERSION_PATTERN.test(v), {
        error: (iss) =>
          `${describeValue(iss.input)} is not a valid version (letters, digits, ".", "_", "+" and "-", at most 64 characters)`,
      }),
    description: boundedString('description', FIELD_LIMITS.description)
      .refine((text) => !/[\p{Cc}\p{Cf}\u2028\u2029]/u.test(text.replace(/[\n\t]/g, '')), {
        error: (iss) =>
          `description must not contain control or invisible characters (line breaks and tabs are fine), got ${describeValue(iss.input)}`,
      })
      .optional(),
    container: containerSchema,
    /** Apps that must be ready before this one is created or (re)started. */
    dependsOn: boundedList(appIdSchema, 'dependsOn', FIELD_LIMITS.dependsOn).default([]),
    companions: boundedList(companionSchema, 'companions', FIELD_LIMITS.companions).default([]),
    probes: probesSchema.optional(),
    files: renderedFilesSchema.optional(),
    values: valuesFileSchema.optional(),
    requirements: requirementsSchema.optional(),
    /** How a new version replaces the running one (docs/updates.md). */
    update: updateSchema.optional(),
  })
  .superRefine((app, ctx) => {
    app.dependsOn.forEach((dependency, i) => {
      if (dependency === app.id)
        ctx.addIssue({ code: 'custom', path: ['dependsOn', i], message: 'an app cannot depend on itself' });
      else if (app.dependsOn.indexOf(dependency) < i) {
        ctx.addIssue({ code: 'custom', path: ['dependsOn', i], message: `"${dependency}" is listed twice` });
      }
    });
    const seen = new Map<string, number>();
    app.companions.forEach((companion, i) => {
      const first = seen.get(companion.id);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['companions', i, 'id'],
          message: `duplicate companion id "${companion.id}": companions[${first}] already uses it`,
        });
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
        container: normaliseContainer(
          companion.container,
          baseDir,
          defaultBuildTag(`${app.id}-${companion.id}`, app.version),
        ),
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
