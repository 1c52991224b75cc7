/** Skews remembered per method: enough to span a run of pass calls between input-driven ones. */
const SKEW_HISTORY = 16;

/**
 * Whether a call matched with a recorded one was made close enough to when it was made live
 * to be that call. "Close" is measured against the call's own history too: live, each tick of
 * the pass interval fires a little late and the lateness adds up (about 1 ms a tick), while
 * the replay's ticks are exact, so pass calls drift ahead of the recording smoothly. A skew
 * close to one this kind of call already had is that drift; a jump is a missing or extra call.
 */
export class CallSkews {
  /** Per method, how far ahead of the recording the last calls were (ms). */
  private readonly skews = new Map<string, number[]>();

  /** Whether a `kind` call `skew` ms ahead of the recording fits; a fitting skew is remembered. */
  fits(kind: string, skew: number, tolerance: number): boolean {
    const seen = this.skews.get(kind) ?? [];
    if (Math.abs(skew) <= tolerance || seen.some((earlier) => Math.abs(skew - earlier) <= tolerance)) {
      seen.push(skew);
      if (seen.length > SKEW_HISTORY) seen.shift();
      this.skews.set(kind, seen);
      return true;
    }
    return false;
  }
}
