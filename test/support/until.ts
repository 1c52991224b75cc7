/**
 * Polls `check` until it gives a value (anything but `undefined` or `false`) and resolves with
 * it; after `ms` it fails naming what it waited for. `what` may be a function, read only at the
 * deadline, so the message can show the latest output of a daemon or the last row seen.
 *
 * Tests wait with this, never with a fixed sleep: on a loaded machine any fixed time is wrong.
 * The default deadline is generous for the same reason (a fsync'd journal write can take a
 * second under load): a wait that can never succeed still fails, only later.
 * It runs on the real clock: under fake timers, advance the clock instead.
 */
export async function until<T>(
  what: string | (() => string),
  check: () => T | undefined | false | Promise<T | undefined | false>,
  ms = 30_000,
  everyMs = 25,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${ms} ms waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
