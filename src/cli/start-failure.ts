import { DesiredStateError } from '../state/desired-store.js';

/**
 * What `podwarden run` prints when the orchestrator cannot start, before it exits non-zero: the
 * file and the problem, and for an unreadable desired state the way out (never a daemon that
 * answers "no apps installed").
 */
export function startFailureMessage(error: unknown): string {
  if (error instanceof DesiredStateError) {
    const remedy = error.remedy ? `\n${error.remedy}` : '';
    return `cannot start: the desired state (which apps the owner installed) is unreadable: ${error.message}${remedy}`;
  }
  return `cannot start: ${error instanceof Error ? error.message : String(error)}`;
}
