import type { UpdatePolicy } from '../../machines/types.js';

/**
 * What an app without an `update` section gets. Apart from the schema (schema-update.ts), so
 * the daemon's machines can use it without loading zod on the main thread.
 */
export const DEFAULT_UPDATE_POLICY: UpdatePolicy = {
  strategy: 'download-then-replace',
  snapshot: true,
  keepSnapshots: 3,
  minHealthyMs: 60_000,
  deadlineMs: 600_000,
  restoreData: true,
};
