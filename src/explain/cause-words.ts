import { clock } from './clock.js';

/**
 * The words of a step's cause as the journal holds it (machines/step-cause.ts), turned into a
 * clause a person reads: decision-table reasons get their subject (`no container` → `it had no
 * container`), triggers lose machine identifiers (`xstate.error.actor.0.app.starting`, ISO
 * times). Done when explaining, not when journaling, so journals written before read the same.
 */

/** The decision table's reason (machines/decide.ts) as a clause after `because`. */
export function reasonClause(reason: string): string {
  if (reason === 'no container') return 'it had no container';
  if (reason === 'app is not installed') return 'the app is not installed';
  if (/^container (is|was) /.test(reason)) return `its ${reason}`;
  if (/^exited\b/.test(reason)) return `its container ${reason}`;
  if (/^(running but|stuck in|paused)\b/.test(reason)) return `its container was ${reason}`;
  return reason;
}

const ENGINE_ACTIONS: Record<string, string> = {
  remove: 'the container was removed outside podwarden',
  pause: 'the container was paused outside podwarden',
  kill: 'the container was killed outside podwarden',
  stop: 'the container was stopped outside podwarden',
  die: 'the container stopped',
  oom: 'the container ran out of memory',
  health: 'its health check changed',
  restart: 'the engine restarted the container',
  unpause: 'the container was unpaused outside podwarden',
  start: 'the container started',
  create: 'the container was created',
};

/** What led to a step, as the words in parentheses after it; undefined when nothing worth saying. */
export function triggerWords(trigger: string): string | undefined {
  if (trigger.startsWith('pass ')) return `observed in ${trigger}`;
  const engine = /^engine event (\w+)(?: \(exit code (-?\d+)\))? at (\S+)$/.exec(trigger);
  if (engine) {
    const [, action = '', code, iso = ''] = engine;
    const what = ENGINE_ACTIONS[action] ?? `the engine reported ${action}`;
    const at = Number.isNaN(Date.parse(iso)) ? '' : ` at ${clock(Date.parse(iso))}`;
    return `${what}${code === undefined ? '' : `, exit code ${code}`}${at}`;
  }
  if (trigger === 'backoff elapsed' || trigger.startsWith('xstate.after.')) return 'after its backoff';
  if (trigger.startsWith('xstate.error.actor.')) return 'after a step failed';
  if (trigger.startsWith('xstate.done.actor.')) return undefined;
  if (trigger === 'boot recovery') return 'when podwarden started';
  if (trigger === 'unknown' || trigger.startsWith('xstate.')) return undefined;
  const probe = /^(\w+) probe verdict$/.exec(trigger);
  if (probe) return `on its ${probe[1]} probe's verdict`;
  return trigger;
}
