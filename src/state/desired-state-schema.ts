import * as z from 'zod';
import { issuesToErrors } from '../manifest/errors.js';
import { APP_ID_PATTERN } from '../manifest/field-formats.js';
import type { DesiredState } from './desired-store.js';

// The schema of desired.json. Loaded on the reader thread only (src/manifest/reader-thread.ts),
// so the daemon's main thread never keeps zod.

const desiredAppSchema = z.strictObject({
  desired: z.enum(['running', 'stopped']),
  installedAt: z.iso.datetime({ offset: true }),
  // A plain file name: the catalog is one folder.
  manifestFile: z
    .string()
    .max(255)
    .regex(/^[^/\\\0.][^/\\\0]*$/)
    .optional(),
  stoppedCompanions: z.array(z.string().regex(APP_ID_PATTERN)).max(64).optional(),
});

const desiredStateSchema = z.strictObject({
  version: z.literal(1),
  apps: z.record(z.string().regex(APP_ID_PATTERN), desiredAppSchema),
});

/** A desired state checked, as plain data: the state, or what is wrong with it (`apps.x.desired: ...; ...`). */
export type DesiredStateCheck = { state: DesiredState } | { problem: string };

/** Checks a parsed desired.json (or a state about to be saved). */
export function checkDesiredState(value: unknown): DesiredStateCheck {
  const result = desiredStateSchema.safeParse(value, { reportInput: true });
  if (result.success) return { state: result.data };
  return {
    problem: issuesToErrors('', result.error.issues)
      .map((issue) => (issue.path === '' ? issue.message : `${issue.path}: ${issue.message}`))
      .join('; '),
  };
}
