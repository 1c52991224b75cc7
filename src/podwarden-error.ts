/** A command podwarden refuses: the API answers 404, 503 or 409 by `code`. */
export class PodwardenError extends Error {
  constructor(
    message: string,
    /** `not-found`: no such app (installed or in the catalog); `not-started`: the daemon is not running. */
    readonly code: 'not-found' | 'not-started' | 'invalid' = 'invalid',
  ) {
    super(message);
    this.name = 'PodwardenError';
  }
}
