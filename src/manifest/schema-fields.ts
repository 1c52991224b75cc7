import * as z from 'zod';
import { DurationError, parseDuration } from './duration.js';

// Small field schemas the manifest's parts share: strings, durations, lists, ports.

export const nonEmptyString = (what: string) =>
  z.string().refine((s) => s.trim() !== '', { error: `${what} must not be empty` });

export const durationSchema = z
  .union([z.string(), z.number()], { error: 'expected a duration like "10s", "500ms", "1m30s" or a number of seconds' })
  .transform((value, ctx) => {
    try {
      return parseDuration(value);
    } catch (err) {
      if (!(err instanceof DurationError)) throw err;
      ctx.addIssue({ code: 'custom', message: err.message, input: value });
      return z.NEVER;
    }
  });

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
