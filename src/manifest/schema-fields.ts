import * as z from 'zod';
import { DurationError, formatDuration, parseDuration } from './duration.js';
import { describeValue } from './errors.js';
import { FIELD_LIMITS } from './limits.js';
import { parseSize, SizeError } from './size.js';

// Small field schemas the manifest's parts share: strings, durations, sizes, lists, ports.

/** At most `max` characters (checked before anything else looks at the text). */
export const boundedString = (what: string, max: number) =>
  z
    .string()
    .max(max, { error: (iss) => `${what} must be at most ${max} characters, got ${(iss.input as string).length}` });

export const nonEmptyString = (what: string, max: number = FIELD_LIMITS.path) =>
  boundedString(what, max).refine((s) => s.trim() !== '', { error: `${what} must not be empty` });

// Controls (a terminal escape) and invisible format characters (a right-to-left override, a
// zero-width space) make a text show as something it is not.
const HIDDEN_CHARACTER = /[\p{Cc}\p{Cf}\u2028\u2029]/u;

/** Text shown to people as it is (an app's name): printable characters only. */
export const displayText = (what: string, max: number) =>
  nonEmptyString(what, max).refine((s) => !HIDDEN_CHARACTER.test(s), {
    error: (iss) => `${what} must not contain control or invisible characters, got ${describeValue(iss.input)}`,
  });

/** A list of at most `max` entries. */
export const boundedList = <T extends z.ZodType>(item: T, what: string, max: number) =>
  z
    .array(item)
    .max(max, { error: (iss) => `${what} must have at most ${max} entries, got ${(iss.input as unknown[]).length}` });

/**
 * A field written as a string or a number and read by `parse`. `parse` throws a `Problem` whose
 * message names the bad value and how to write it; that message becomes the field's issue, and
 * the manifest error adds the file and the field's path. Any other error is a bug and is thrown.
 */
function parsedField<T>(
  expected: string,
  parse: (value: string | number) => T,
  Problem: new (message: string) => Error,
) {
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

/** Milliseconds, from "10s", "500ms", "1m30s" or a number of seconds; at most a week. */
export const durationSchema = parsedField(
  'expected a duration like "10s", "500ms", "1m30s" or a number of seconds',
  parseDuration,
  DurationError,
).refine((ms) => ms <= FIELD_LIMITS.durationMs, {
  error: `a duration must be at most ${formatDuration(FIELD_LIMITS.durationMs)}`,
});

/** Bytes, from "2GiB", "500MiB", "1.5GB" or a number of bytes. */
export const sizeSchema = parsedField(
  'expected a size like "2GiB", "500MiB" or a number of bytes',
  parseSize,
  SizeError,
);

export const stringList = (field: string, example: string) =>
  z
    .array(boundedString(`each item of ${field}`, FIELD_LIMITS.argument), {
      error: (iss) =>
        typeof iss.input === 'string'
          ? `expected a list of strings, got a single string; write it as a list, e.g. ${field}: ${example}`
          : undefined,
    })
    .min(1, { error: `${field} must not be an empty list` })
    .max(FIELD_LIMITS.argumentItems, { error: `${field} must have at most ${FIELD_LIMITS.argumentItems} items` });

export const portNumber = z
  .number()
  .int({ error: 'a port must be a whole number' })
  .min(1, { error: 'a port must be between 1 and 65535' })
  .max(65535, { error: 'a port must be between 1 and 65535' });

export const positiveDuration = (field: string) =>
  durationSchema.refine((ms) => ms > 0, { error: `${field} must be longer than 0` });
