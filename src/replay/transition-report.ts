import type { Transition } from '../streams/transitions.js';
import { formatOffset } from './divergence.js';
import type { ObservedTransitionRecord, Recording } from './records.js';

/** A transition of a replay, with its virtual time since the recording started. */
export interface ReplayedTransition extends Transition {
  offsetMs: number;
}

/** What a transition is, time aside: two sessions that did the same thing agree on it. */
export interface TransitionFacts {
  appId: string;
  from: string | null;
  to: string;
  reason: string;
  failures: number;
}

/** `+12.345s app: from → to (reason)`; ∅ for a machine just spawned. */
export function formatTransition(transition: TransitionFacts & { offsetMs: number }): string {
  return `${formatOffset(transition.offsetMs)} ${transition.appId}: ${transition.from ?? '∅'} → ${transition.to} (${transition.reason})`;
}

/** The transitions the recorded session published, as it saw them. */
export function observedTransitions(recording: Recording): Array<ObservedTransitionRecord & { line: number }> {
  return recording.records.flatMap(({ line, record }) =>
    record.kind === 'observed-transition' ? [{ ...record, line }] : [],
  );
}

function facts(transition: TransitionFacts): string {
  return `${transition.appId}: ${transition.from ?? '∅'} → ${transition.to} (${transition.reason}; failures ${transition.failures})`;
}

/**
 * Differences between a replay's transitions and the ones the session observed live, in
 * order; empty when they agree (times aside: live ones carry the session's processing time).
 */
export function compareTransitions(
  replayed: readonly ReplayedTransition[],
  observed: ReadonlyArray<ObservedTransitionRecord & { line: number }>,
): string[] {
  const problems: string[] = [];
  const count = Math.max(replayed.length, observed.length);
  for (let index = 0; index < count; index += 1) {
    const live = observed[index];
    const again = replayed[index];
    if (live && again && facts(live) === facts(again)) continue;
    problems.push(
      `transition ${index + 1}: live ${live ? `${formatOffset(live.t)} ${facts(live)} (line ${live.line})` : 'nothing'}; ` +
        `replay ${again ? `${formatOffset(again.offsetMs)} ${facts(again)}` : 'nothing'}`,
    );
  }
  return problems;
}
