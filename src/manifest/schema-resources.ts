import * as z from 'zod';
import { formatSize, parseSize, SizeError } from './size.js';

// `container.resources`: the limits the engine enforces on the container.

/** podman refuses a memory limit below 6 MB ("minimum memory limit allowed is 6MB"). */
export const MIN_MEMORY_BYTES = 6 * 1024 * 1024;
/** podman's `--cpus` resolution: a hundredth of a CPU. */
const MIN_CPUS = 0.01;

const memorySchema = z
  .union([z.string(), z.number()], { error: 'expected a size like "256m", "1GiB" or a number of bytes' })
  .transform((value, ctx) => {
    try {
      const bytes = parseSize(value);
      if (bytes < MIN_MEMORY_BYTES) {
        ctx.addIssue({
          code: 'custom',
          message: `memory must be at least ${formatSize(MIN_MEMORY_BYTES)} (podman's minimum), got ${formatSize(bytes)}`,
          input: value,
        });
        return z.NEVER;
      }
      return bytes;
    } catch (err) {
      if (!(err instanceof SizeError)) throw err;
      ctx.addIssue({ code: 'custom', message: err.message, input: value });
      return z.NEVER;
    }
  });

/** More than any host podwarden runs on; NanoCpus must stay a safe integer. */
const MAX_CPUS = 1024;

const cpusSchema = z
  .number({ error: 'cpus must be a number of CPUs, e.g. 0.5 or 2' })
  .min(MIN_CPUS, { error: `cpus must be at least ${MIN_CPUS}` })
  .max(MAX_CPUS, { error: `cpus must be at most ${MAX_CPUS}` });

export const resourcesSchema = z
  .strictObject({
    memory: memorySchema.optional(),
    cpus: cpusSchema.optional(),
  })
  .refine((resources) => resources.memory !== undefined || resources.cpus !== undefined, {
    error: 'resources needs "memory", "cpus" or both',
  })
  .transform((resources) => ({
    ...(resources.memory !== undefined ? { memoryBytes: resources.memory } : {}),
    ...(resources.cpus !== undefined ? { cpus: resources.cpus } : {}),
  }));
