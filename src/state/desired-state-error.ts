/**
 * The desired-state file is the only record of which apps the owner installed. When it cannot be
 * read, podwarden must stop and say so rather than start empty and forget them: this error
 * names the file and the problem, and `remedy` says the way out (the previous copy podwarden
 * kept, or starting over explicitly). `start()` rejects with it; the daemon exits non-zero.
 */
export class DesiredStateError extends Error {
  /** What is wrong with the file, without its path. */
  readonly problem: string;

  constructor(
    readonly file: string,
    problem: string,
    options?: { cause?: unknown; remedy?: string; previous?: string },
  ) {
    super(`${file}: ${problem}`, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DesiredStateError';
    this.problem = problem;
    if (options?.remedy !== undefined) this.remedy = options.remedy;
    if (options?.previous !== undefined) this.previous = options.previous;
  }

  /** What the owner can do about it, in words and commands; absent for a refused save. */
  readonly remedy?: string;
  /** The previous copy podwarden kept (`desired.previous.json`), when it is there and readable. */
  readonly previous?: string;
}
