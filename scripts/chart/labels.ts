/**
 * How guards and actions read on a chart. xstate keeps what the machine config said: a name
 * (string or `{ type }`), a built-in action creator (a function with a `type` like
 * `xstate.assign`), a higher-order guard (`and`/`or`/`not`/`stateIn`), or an inline function.
 */

interface HigherOrderGuard {
  check: { name: string };
  guards?: unknown[];
  stateValue?: unknown;
}

function isHigherOrderGuard(guard: unknown): guard is HigherOrderGuard {
  return typeof guard === 'function' && 'check' in guard && typeof (guard as { check: unknown }).check === 'function';
}

function typeOf(value: unknown): string | undefined {
  if (value && (typeof value === 'object' || typeof value === 'function') && 'type' in value) {
    const type = (value as { type: unknown }).type;
    return typeof type === 'string' ? type : undefined;
  }
  return undefined;
}

/**
 * `inline` resolves the text of an inline guard function from the machine's source; it is
 * asked only for the top-level guard (inline functions nested in and/or/not stay anonymous).
 */
export function guardLabel(guard: unknown, inline: () => string | undefined): string | undefined {
  if (guard === undefined || guard === null) return undefined;
  if (typeof guard === 'string') return guard;
  if (isHigherOrderGuard(guard)) {
    const parts = (guard.guards ?? []).map((inner) => guardLabel(inner, () => undefined) ?? 'inline guard');
    switch (guard.check.name) {
      case 'checkAnd':
        return parts.map((part) => (parts.length > 1 && /\s/.test(part) ? `(${part})` : part)).join(' && ');
      case 'checkOr':
        return parts.map((part) => (parts.length > 1 && /\s/.test(part) ? `(${part})` : part)).join(' || ');
      case 'checkNot':
        return `!${/\s/.test(parts[0] ?? '') ? `(${parts[0]})` : (parts[0] ?? '')}`;
      case 'checkStateIn':
        return `in ${typeof guard.stateValue === 'string' ? guard.stateValue : JSON.stringify(guard.stateValue)}`;
      default:
        return 'inline guard';
    }
  }
  const type = typeOf(guard);
  if (type) return type + paramsLabel(guard);
  return inline() ?? 'inline guard';
}

/** A parameterised guard's fixed params, e.g. `decides(wait, dependencies)`; params computed from the event are left out. */
function paramsLabel(guard: unknown): string {
  const params = (guard as { params?: unknown }).params;
  if (!params || typeof params !== 'object') return '';
  const values = Object.values(params).filter((value) => typeof value === 'string' || typeof value === 'number');
  return values.length > 0 ? `(${values.join(', ')})` : '';
}

/** Scheduling of `after` transitions is xstate's own plumbing, shown as the `after` edge instead. */
function isDelayPlumbing(action: unknown): boolean {
  const type = typeOf(action);
  if (type === 'xstate.raise') {
    const event = (action as { event?: unknown }).event;
    return typeOf(event)?.startsWith('xstate.after.') ?? false;
  }
  if (type === 'xstate.cancel') {
    const sendId = (action as { sendId?: unknown }).sendId;
    return typeof sendId === 'string' && sendId.startsWith('xstate.after.');
  }
  return false;
}

function actionLabel(action: unknown): string {
  if (typeof action === 'string') return action;
  const type = typeOf(action);
  if (typeof action !== 'function') return type ?? 'inline action';
  if (!type) return 'inline action';
  if (!type.startsWith('xstate.')) return type;
  const builtin = type.slice('xstate.'.length);
  const details = action as { event?: unknown; to?: unknown; src?: unknown };
  switch (builtin) {
    case 'raise':
    case 'emit': {
      const eventType = typeOf(details.event);
      return eventType ? `${builtin} ${eventType}` : builtin;
    }
    case 'sendTo':
      return typeof details.to === 'string' ? `sendTo ${details.to}` : 'sendTo';
    case 'spawnChild':
      return typeof details.src === 'string' ? `spawn ${details.src}` : 'spawnChild';
    default:
      return builtin;
  }
}

/** The labels of an action list, without xstate's delay plumbing. */
export function actionLabels(actions: readonly unknown[]): string[] {
  return actions.filter((action) => !isDelayPlumbing(action)).map(actionLabel);
}
