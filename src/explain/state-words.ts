/**
 * A machine state as a sentence says it: `web has been backing off since 12:03:05 UTC`, never
 * `web is backoff since`. `now` is the present tense; `since` what it has been since a time
 * (undefined: the present tense and `(since …)`). States nobody named here read `is in state X`.
 */
const WORDS: Record<string, { now: string; since?: string }> = {
  running: { now: 'is running', since: 'has been running since' },
  active: { now: 'is active under systemd', since: 'has been active under systemd since' },
  stopped: { now: 'is stopped', since: 'has been stopped since' },
  backoff: { now: 'is backing off after a failure', since: 'has been backing off since' },
  failed: { now: 'has failed and podwarden stopped trying', since: 'has been given up on since' },
  waiting: { now: 'is waiting', since: 'has been waiting since' },
  inactive: { now: 'is not active under systemd', since: 'has not been active since' },
  removed: { now: 'is removed', since: 'was removed at' },
  halted: { now: 'is halted (podwarden is shutting down)' },
  pulling: { now: 'is pulling its image' },
  creating: { now: 'is creating its container' },
  rendering: { now: 'is writing its files' },
  starting: { now: 'is starting' },
  confirming: { now: 'is starting (checking that it stays up)' },
  restarting: { now: 'is restarting' },
  recreating: { now: 'is being recreated' },
  updating: { now: 'is being updated (its new version is being prepared)' },
  rollingBack: { now: 'is being rolled back to the version before its update' },
  crashed: { now: 'has crashed' },
  wedged: { now: 'is stuck and about to be recreated' },
  stopping: { now: 'is stopping' },
  removing: { now: 'is being removed' },
  deciding: { now: 'is being checked' },
  missing: { now: 'has no container yet' },
  observing: { now: 'is being looked at' },
  enabling: { now: 'is being enabled under systemd' },
  disabling: { now: 'is being disabled under systemd' },
  unloading: { now: 'is being removed from systemd' },
  reloading: { now: 'is being reloaded under systemd' },
  checking: { now: 'is being checked under systemd' },
  probing: { now: 'is being probed' },
  unclaimed: { now: 'is a container no installed app claims' },
  'manifest-error': { now: 'cannot be managed: its manifest is refused' },
};

/** `has been running since 12:03:05 UTC`, `is pulling its image (since 12:03:05 UTC)`, `is running`. */
export function stateSentence(state: string, since: string | undefined): string {
  const words = WORDS[state] ?? { now: `is in state ${state}` };
  if (since === undefined) return words.now;
  return words.since ? `${words.since} ${since}` : `${words.now} (since ${since})`;
}
