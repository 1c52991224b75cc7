import { fromCallback } from 'xstate';
import type { ListRequest, Snapshot, SupervisorEvent } from '../../machines/supervisor-context.js';

/**
 * The supervisor's lister: it lives as long as the supervisor supervises and answers each LIST
 * with ENGINE.LISTED (or ENGINE.LIST_FAILED). One actor for every pass, not one invoked per
 * pass: XState copies the parent's children when it spawns or stops one, and with a machine per
 * app that copy was a quarter of a quiet pass over 1 000 apps.
 */
export function listerActor(list: () => Promise<Snapshot>) {
  return fromCallback<ListRequest>(({ sendBack, receive }) => {
    let stopped = false;
    receive(() => {
      list().then(
        (snapshot) => {
          if (!stopped) sendBack({ type: 'ENGINE.LISTED', snapshot } satisfies SupervisorEvent);
        },
        (error: unknown) => {
          if (!stopped) sendBack({ type: 'ENGINE.LIST_FAILED', error } satisfies SupervisorEvent);
        },
      );
    });
    return () => {
      stopped = true;
    };
  });
}
