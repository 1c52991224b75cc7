import { isCompanionKey, ownerOfKey } from './binding.js';
import { failureFields, type FailureReason } from './failure.js';

/**
 * How a child machine (an app's, a companion's) announces its state changes, and how the
 * supervisor passes them on as `transition` notices (transitions$ in src/).
 */

/**
 * What an app or companion-unit machine tells its parent when its top-level state changes:
 * entering a state it rests in, other than the one it last announced (`from` is null for its
 * first). States it only passes through (deciding, crashed, …) announce nothing. The message
 * arrives once the child's step has settled, so the supervisor reads the child's context then
 * (`ready`, for one, is only set by `running`'s regions after the state's own entry).
 */
export interface StateChanged {
  type: 'APP.STATE_CHANGED';
  appId: string;
  from: string | null;
  to: string;
}

/** One real change of an app's state. A quiet pass produces none. */
export interface Transition {
  appId: string;
  /** Set when the machine is one of the app's companions. */
  companion?: string;
  /** null when the machine was just spawned. */
  from: string | null;
  to: string;
  reason: string;
  /** Consecutive failures at the time of the change. */
  failures: number;
  /** The last failure as a person reads it, while one is on record. */
  failure?: string;
  /** The same failure as data. */
  failureReason?: FailureReason;
  /** The app's `ready` flag after the change. */
  ready: boolean;
  at: number;
}

/** What a child machine's context holds of what a transition reports. */
export interface AnnouncingContext {
  appId: string;
  reason: string;
  failures: number;
  failure: FailureReason | undefined;
  /** The app machine's; a companion unit has none. */
  ready?: boolean;
}

/** A child's change as a transition, with what its settled context says of it. */
export function transitionOf(context: AnnouncingContext, change: StateChanged, at: number): Transition {
  const key = context.appId;
  const owner = ownerOfKey(key);
  return {
    appId: owner,
    ...(isCompanionKey(key) ? { companion: key.slice(owner.length + 1) } : {}),
    from: change.from,
    to: change.to,
    reason: context.reason,
    failures: context.failures,
    ...failureFields(context.failure),
    ready: context.ready as boolean,
    at,
  };
}
