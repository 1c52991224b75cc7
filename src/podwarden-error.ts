import { APP_ID_PATTERN } from './manifest/field-formats.js';
import { appIdProblem } from './manifest/app-id.js';

/** A command podwarden refuses (or, waited for, whose goal it cannot reach): the API answers 404, 503, 409, 504 or 507 by `code`. */
export class PodwardenError extends Error {
  constructor(
    message: string,
    /**
     * `not-found`: no such app (installed or in the catalog); `not-started`: the daemon is not
     * running; `unsaved`: the owner's command could not be written to disk, so nothing changed;
     * `has-dependents`: an uninstall would strand installed apps that need this one; a command
     * waited for (`wait`) that was applied but `not-reached` (it cannot be, and why) or
     * `timed-out`.
     */
    readonly code:
      'not-found' | 'not-started' | 'invalid' | 'unsaved' | 'has-dependents' | 'not-reached' | 'timed-out' = 'invalid',
  ) {
    super(message);
    this.name = 'PodwardenError';
  }
}

/** App ids are checked where they enter, whoever sends them (the API, an embedder, the CLI). */
export function checkAppId(appId: string): void {
  if (typeof appId !== 'string' || !APP_ID_PATTERN.test(appId))
    throw new PodwardenError(appIdProblem(appId), 'invalid');
}

/**
 * An app's id, or a companion's as `<appId>/<companionId>` (`bitcoind/ui`): the one form every
 * read of a machine takes (status, explain, logs, events).
 */
export function checkAppOrCompanionId(key: string): void {
  const parts = typeof key === 'string' ? key.split('/') : [];
  if (parts.length < 1 || parts.length > 2) throw new PodwardenError(appIdProblem(key), 'invalid');
  for (const part of parts) checkAppId(part);
}
