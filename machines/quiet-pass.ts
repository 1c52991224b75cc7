import type { AnyActorRef } from 'xstate';
import { passAnswer, type AppContext } from './app-knowledge.js';
import { LABELS } from '../src/domain/labels.js';
import type { Observed, PassEntry } from './types.js';

// A quiet pass costs the list call, not one machine step per app: the supervisor answers for an
// app machine that rests in `running` or `stopped` when the pass saw its container exactly as the
// machine already knows it. The machine would only have answered "nothing to do" (its decision
// was made on that same container, and commands and manifest changes re-decide at once); apps
// with rendered files still get every pass, since a pass renders their files again.

/** The fields of a container the decision table and the failure reasons read. */
function sameContainer(known: Observed | undefined, seen: Observed): boolean {
  if (known === undefined || known === null || seen === null) return false;
  return (
    known.id === seen.id &&
    known.status === seen.status &&
    known.health === seen.health &&
    known.pid === seen.pid &&
    known.exitCode === seen.exitCode &&
    known.oomKilled === seen.oomKilled &&
    known.startedAt === seen.startedAt &&
    known.finishedAt === seen.finishedAt &&
    known.labels[LABELS.specHash] === seen.labels[LABELS.specHash]
  );
}

function appContextOf(ref: AnyActorRef): { context: AppContext; value: unknown; resting: boolean } | undefined {
  const snapshot = ref.getSnapshot() as { status: string; context: Partial<AppContext>; value: unknown };
  if (snapshot.status !== 'active' || snapshot.context.knownAsOf === undefined) return undefined;
  const value = snapshot.value;
  // `running` is parallel (its value an object), `stopped` atomic: read the value, not `matches`, for speed.
  const resting = value === 'stopped' || (typeof value === 'object' && value !== null && 'running' in value);
  return { context: snapshot.context as AppContext, value, resting };
}

/**
 * The answer given for a machine whose context and state have not changed since: the same one.
 * Its context is a new object after every change, so an entry is never reused for another.
 */
const lastAnswers = new WeakMap<AppContext, { value: unknown; entry: PassEntry }>();

/** The machine's own answer to a pass that tells it nothing new, or undefined when it must see the pass itself. */
export function quietEntry(ref: AnyActorRef, seen: Observed): PassEntry | undefined {
  const app = appContextOf(ref);
  if (!app?.resting || app.context.spec.render || !sameContainer(app.context.container, seen)) return undefined;
  const last = lastAnswers.get(app.context);
  if (last && last.value === app.value) return last.entry;
  const { entry } = passAnswer(
    app.context,
    { type: 'OBSERVED', passId: 0, observedAt: 0, container: seen },
    app.value,
    false,
  );
  lastAnswers.set(app.context, { value: app.value, entry });
  return entry;
}
