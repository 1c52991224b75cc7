import {
  companionDesired,
  companionKey,
  isCompanionKey,
  ownerOfKey,
  waitingFor,
  type DependencyStanding,
} from './binding.js';
import type { DeclaredApp } from './supervisor-context.js';
import type { AppSpec, Desired } from './types.js';
import type { UpdateRecord } from './update.js';

// The binding rules (binding.ts) applied to what the supervisor knows: which children the
// declared apps call for, what each is asked for, and what holds each one back.

interface BindingView {
  apps: Record<string, DeclaredApp>;
  refused: Record<string, string>;
  ready: Record<string, boolean>;
}

/** A machine the declared apps call for: each app, then each of its companions. */
export interface DeclaredChild {
  key: string;
  spec: AppSpec;
  desired: Desired;
  /** An app's update record found at boot. */
  update?: UpdateRecord;
}

export function declaredChildren(apps: Record<string, DeclaredApp>): DeclaredChild[] {
  const children: DeclaredChild[] = [];
  for (const [appId, app] of Object.entries(apps)) {
    children.push({ key: appId, spec: app.spec, desired: app.desired, ...(app.update ? { update: app.update } : {}) });
    for (const [companionId, spec] of Object.entries(app.companions ?? {})) {
      children.push({ key: companionKey(appId, companionId), spec, desired: companionDesired(app.desired) });
    }
  }
  return children;
}

/** The spec a declared companion key has, if its app still declares it. */
export function declaredCompanion(apps: Record<string, DeclaredApp>, key: string): AppSpec | undefined {
  const owner = ownerOfKey(key);
  return apps[owner]?.companions?.[key.slice(owner.length + 1)];
}

/** Whether a child key (an app, or a companion) is claimed by a declared or refused app. */
export function isClaimed(view: Pick<BindingView, 'apps' | 'refused'>, key: string): boolean {
  if (!isCompanionKey(key)) return Boolean(view.apps[key] || view.refused[key]);
  return Boolean(view.refused[ownerOfKey(key)] || declaredCompanion(view.apps, key));
}

function standing(view: BindingView, appId: string): DependencyStanding {
  if (!view.apps[appId] && !view.refused[appId]) return 'not-installed';
  return view.ready[appId] ? 'ready' : 'not-ready';
}

/**
 * What holds a child back: an app's dependencies that are not ready, a companion's app while
 * it is not ready. Undefined for children nothing binds (orphans, companions being removed).
 */
export function holdOf(view: BindingView, key: string): string[] | undefined {
  if (isCompanionKey(key)) {
    return declaredCompanion(view.apps, key) ? waitingFor([ownerOfKey(key)], (id) => standing(view, id)) : undefined;
  }
  const app = view.apps[key];
  return app ? waitingFor(app.dependsOn ?? [], (id) => standing(view, id)) : undefined;
}

export function sameHold(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  return (a ?? []).join('\n') === (b ?? []).join('\n');
}
