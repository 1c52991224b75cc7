import path from 'node:path';
import * as z from 'zod';
import { describeValue } from './errors.js';
import { FIELD_LIMITS } from './limits.js';
import { relativePath } from './schema-container.js';
import { boundedList, boundedString, sizeSchema } from './schema-fields.js';

// Rendered files, their values file, and what the app needs of the host (disk).

const FILE_MODE = /^0?[0-7]{3}$/;

/** A path inside the app's data directory: relative, no ".." anywhere, not the directory itself. */
const dataPathSchema = (what: string) =>
  boundedString(what, FIELD_LIMITS.path).transform((text, ctx) => {
    const problem = confinedPathProblem(text, what);
    if (problem === undefined) return path.posix.normalize(text);
    ctx.addIssue({ code: 'custom', message: problem, input: text });
    return z.NEVER;
  });

function confinedPathProblem(text: string, what: string): string | undefined {
  if (text.trim() === '') return `${what} must not be empty`;
  if (text.includes('\0')) return `${what} must not contain a NUL character`;
  if (path.posix.isAbsolute(text)) {
    return `${describeValue(text)} is an absolute path; ${what} must be relative to the app's data directory`;
  }
  if (text.split('/').includes('..')) {
    return `${describeValue(text)} contains ".."; ${what} must stay inside the app's data directory`;
  }
  const normalised = path.posix.normalize(text);
  if (normalised === '.' || normalised === './') return `${what} must name a file, not the app's data directory itself`;
  return undefined;
}

export const renderedFileSchema = z
  .strictObject({
    path: dataPathSchema('path'),
    template: boundedString('template', FIELD_LIMITS.template).optional(),
    templateFile: relativePath('templateFile', "the manifest's folder").optional(),
    mode: z
      .string({ error: 'expected a file mode as a string, e.g. "0600" (a bare YAML number would be read as decimal)' })
      .regex(FILE_MODE, {
        error: (iss) => `${describeValue(iss.input)} is not a file mode (expected e.g. "0600" or "0640")`,
      })
      .transform((mode) => parseInt(mode, 8))
      .optional(),
  })
  .superRefine((file, ctx) => {
    if ((file.template === undefined) === (file.templateFile === undefined)) {
      ctx.addIssue({
        code: 'custom',
        message: `exactly one of "template" or "templateFile" is required, found ${file.template === undefined ? 'neither' : 'both'}`,
      });
    }
  });

export const renderedFilesSchema = boundedList(renderedFileSchema, 'files', FIELD_LIMITS.files).superRefine(
  (files, ctx) => {
    files.forEach((file, i) => {
      const earlier = files.findIndex((other, j) => j < i && other.path === file.path);
      if (earlier !== -1) {
        ctx.addIssue({
          code: 'custom',
          path: [i, 'path'],
          message: `${file.path} is already rendered by files[${earlier}]`,
        });
      }
    });
  },
);

/** The values file: KEY=VALUE lines, relative to podwarden's secrets directory. */
export const valuesFileSchema = boundedString('values', FIELD_LIMITS.path).transform((text, ctx) => {
  const problem = confinedPathProblem(text, 'values');
  if (problem === undefined) return path.posix.normalize(text);
  ctx.addIssue({
    code: 'custom',
    message: problem.replace("the app's data directory", "podwarden's secrets directory"),
    input: text,
  });
  return z.NEVER;
});

export const requirementsSchema = z
  .strictObject({
    /** Free space the image store needs before a pull or build of this app's image. */
    disk: sizeSchema.optional(),
  })
  .transform((r) => (r.disk !== undefined ? { diskBytes: r.disk } : {}));
