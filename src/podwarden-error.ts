/** A refused request of the orchestrator's API; the local API maps `code` to an HTTP status. */
export class PodwardenError extends Error {
  constructor(
    message: string,
    /**
     * `not-found`: no such app (installed or in the catalog); `not-started`: the daemon is not
     * running; `unsaved`: the owner's command could not be written to disk, so nothing changed.
     */
    readonly code: 'not-found' | 'not-started' | 'invalid' | 'unsaved' = 'invalid',
  ) {
    super(message);
    this.name = 'PodwardenError';
  }
}
