import type { AppContext } from './app-knowledge.js';

/**
 * Why an app machine is about to run a step, as effects pass it on to the intent journal:
 * `reason` is the decision table's (or the failure's) words, `trigger` the input that led to
 * the step (a pass, an engine event, an owner's command, a backoff running out).
 */
export interface StepCause {
  reason: string;
  trigger: string;
}

/** The trigger of a render a pass asked for while the container runs: a change restarts the app. */
export const RERENDER_TRIGGER = 'a pass renders the files again';

const COMMAND_OF: Record<string, string> = {
  running: 'owner asked to run it',
  stopped: 'owner asked to stop it',
  absent: 'owner uninstalled it',
};

/** Pure: the event that entered the step's state (XState hands it through eventless transitions). */
export function stepCause(context: Pick<AppContext, 'reason'>, event: { type: string }): StepCause {
  return { reason: context.reason, trigger: triggerOf(event as { type: string } & Record<string, unknown>) };
}

function triggerOf(event: { type: string } & Record<string, unknown>): string {
  switch (event.type) {
    case 'OBSERVED':
      return `pass ${String(event.passId)}`;
    case 'LOOKED': {
      // The newest engine event behind the look says why podwarden looked.
      const events = event.events as { action: string; time: number; exitCode?: number }[];
      const engineEvent = events[events.length - 1];
      if (!engineEvent) return 'a look at the container';
      const code = engineEvent.exitCode === undefined ? '' : ` (exit code ${engineEvent.exitCode})`;
      return `engine event ${engineEvent.action}${code} at ${new Date(engineEvent.time).toISOString()}`;
    }
    case 'SET_DESIRED':
      return COMMAND_OF[String(event.desired)] ?? `owner set ${String(event.desired)}`;
    case 'UPDATE_SPEC':
      return 'manifest changed';
    case 'xstate.init':
      return 'boot recovery';
    case 'DEPENDENCIES':
      return 'its dependencies are ready';
    case 'RETRY':
      return 'owner asked for it again';
    case 'RESTART':
      return 'owner asked to restart it';
    case 'RENDER.CHECK':
      return RERENDER_TRIGGER;
    case 'PROBE_RESULT':
      return `${String(event.role)} probe verdict`;
    default:
      if (event.type.startsWith('xstate.after.')) return 'backoff elapsed';
      if (event.type.startsWith('xstate.done.actor.')) return 'previous step done';
      return event.type;
  }
}
