import { describeValue } from './errors.js';

/**
 * The one wording of a bad app id, wherever an id appears (manifests, desired state, the API).
 * A module of its own so the daemon's main thread can use it without loading the manifest
 * schema, which only its parser thread needs.
 */
export function appIdProblem(input: unknown, what = 'app id'): string {
  return `${describeValue(input)} is not a valid ${what} (lower-case letters, digits and "-", starting with a letter, at most 40 characters)`;
}
