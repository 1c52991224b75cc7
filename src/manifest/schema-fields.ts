import * as z from 'zod';
import { DurationError, parseDuration } from './duration.js';
import { parseSize, SizeError } from './size.js';

// Small field schemas the manifest's parts share: strings, durations, sizes, lists, ports.

export const nonEmptyString = (what: string) =>
  z.string().refine((s) => s.trim() !== '', { error: `${what} must not be empty` });

/**
 * A field written as a string or a number and read by `parse`. `parse` throws a `Problem` whose
 * message names the bad value and how to write it; that message becomes the field's issue, and
 * the manifest error adds the file and the field's path. Any other error is a bug and is thrown.
 */
function parsedField<T>(expected: string, parse: (value: string | number) => T, Problem: new (message: string) => Error) {
  return z.union([z.string(), z.number()], { error: expected }).transform((value, ctx) => {
    try {
      return parse(value);
    } catch (err) {
      if (!(err instanceof Problem)) throw err;
      ctx.addIssue({ code: 'custom', message: err.message, input: value });
      return z.NEVER;
    }
  });
}

/** Milliseconds, from "10s", "500ms", "1m30s" or a number of seconds. */
export const durationSchema = parsedField(
  'expected a duration like "10s", "500ms", "1m30s" or a number of seconds',
  parseDuration,
  DurationError,
);

/** Bytes, from "2GiB", "500MiB", "1.5GB" or a number of bytes. */
export const sizeSchema = parsedField('expected a size like "2GiB", "500MiB" or a number of bytes', parseSize, SizeError);

export const stringList = (field: string, example: string) =>
  z
    .array(z.string(), {
      error: (iss) =>
        typeof iss.input === 'string'
          ? `expected a list of strings, got a single string; write it as a list, e.g. ${field}: ${example}`
          : undefined,
    })
    .min(1, { error: `${field} must not be an empty list` });

export const portNumber = z
  .number()
  .int({ error: 'a port must be a whole number' })
  .min(1, { error: 'a port must be between 1 and 65535' })
  .max(65535, { error: 'a port must be between 1 and 65535' });

export const positiveDuration = (field: string) =>
  durationSchema.refine((ms) => ms > 0, { error: `${field} must be longer than 0` });
