import * as z from 'zod';
import type { UpdatePolicy } from '../../machines/types.js';
import { positiveDuration } from './schema-fields.js';

// `app.update`: how a new version of the app replaces the running one (docs/updates.md).

/** Most snapshots an app keeps: each can be as large as its data. */
const MAX_KEEP = 20;

export const updateSchema = z
  .strictObject({
    /**
     * `download-then-replace`: fetch the new image while the old version runs, then stop old,
     * start new. `stop-first`: stop the old version before anything else (apps that cannot run
     * twice, or hold a lock on their data, like bitcoind).
     */
    strategy: z.enum(['download-then-replace', 'stop-first']).default('download-then-replace'),
    /** Copy the app's data dir before the new version first starts (only apps with one). */
    snapshot: z.boolean().default(true),
    keepSnapshots: z
      .number()
      .int({ error: 'keepSnapshots must be a whole number' })
      .min(1, { error: 'keepSnapshots must be at least 1' })
      .max(MAX_KEEP, { error: `keepSnapshots must be at most ${MAX_KEEP}` })
      .default(3),
    verify: z
      .strictObject({
        /** Ready this long without a break, and the new version counts as good. */
        minHealthy: positiveDuration('minHealthy').default(60_000),
        /** Not proven good by then: rolled back. */
        deadline: positiveDuration('deadline').default(600_000),
      })
      .default({ minHealthy: 60_000, deadline: 600_000 }),
    rollback: z.strictObject({ restoreData: z.boolean().default(true) }).default({ restoreData: true }),
  })
  .superRefine((update, ctx) => {
    if (update.verify.minHealthy > update.verify.deadline) {
      ctx.addIssue({
        code: 'custom',
        path: ['verify', 'minHealthy'],
        message: 'minHealthy must not be longer than deadline (the new version could never prove itself)',
      });
    }
  })
  .transform((update): UpdatePolicy => ({
    strategy: update.strategy,
    snapshot: update.snapshot,
    keepSnapshots: update.keepSnapshots,
    minHealthyMs: update.verify.minHealthy,
    deadlineMs: update.verify.deadline,
    restoreData: update.rollback.restoreData,
  }));
