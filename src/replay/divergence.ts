/**
 * The replay made podwarden do something the recording does not answer: another call, other
 * arguments, a call much earlier or later than recorded, or none where one was recorded. Names
 * the recording's line that does not fit, where there is one.
 */
export class ReplayDivergence extends Error {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly detail: string,
  ) {
    super(`${file}${line === undefined ? '' : `:${line}`}: replay diverged from the recording: ${detail}`);
    this.name = 'ReplayDivergence';
  }
}

/** Virtual offsets as people read them: `+12.345s`. */
export function formatOffset(ms: number): string {
  return `+${(ms / 1000).toFixed(3)}s`;
}
