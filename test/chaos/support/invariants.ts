import { expect } from 'vitest';
import { LABELS } from '../../../src/domain/labels.js';
import { inspectJson, podman, type ContainerSummary } from '../../podman/support/podman-cli.js';
import type { ChaosWorld } from './chaos-world.js';

// What every chaos scenario checks after its fault, besides its own honest-answer checks.

/** No duplicate container: at most one per app (and companion) among one instance's `containers`. */
export function expectNoDuplicates(containers: readonly ContainerSummary[]): void {
  const perApp = new Map<string, string[]>();
  for (const container of containers) {
    const key = `${container.labels[LABELS.app] ?? '?'}/${container.labels[LABELS.companion] ?? ''}`;
    perApp.set(key, [...(perApp.get(key) ?? []), container.names.join(',')]);
  }
  const duplicates = [...perApp].filter(([, names]) => names.length > 1);
  expect(duplicates, 'apps with more than one container').toEqual([]);
}

/** No intent lost or resurrected: desired.json holds exactly these apps, wanted so. */
export async function expectIntents(world: ChaosWorld, expected: Record<string, 'running' | 'stopped'>): Promise<void> {
  expect(await world.desired()).toEqual(expected);
}

/** A container someone else owns, as it was: same id, state, start time and restart count. */
export interface ForeignMark {
  name: string;
  id: string;
  status: string;
  startedAt: string;
  restarts: number;
}

/**
 * Makes a running container podwarden does not own (no owner label, or another's), marked with
 * `tag` so the scenario removes it (and only it) afterwards.
 */
export async function makeForeignNamed(
  tag: string,
  name: string,
  image: string,
  labels: Record<string, string> = {},
): Promise<ForeignMark> {
  const labelArgs = Object.entries({ ...labels, 'podwarden-chaos-foreign': tag }).flatMap(([key, value]) => [
    '--label',
    `${key}=${value}`,
  ]);
  await podman(['run', '-d', '--name', name, ...labelArgs, image]);
  return markForeign(name);
}

export async function markForeign(name: string): Promise<ForeignMark> {
  const seen = await inspectJson(name);
  return { name, id: seen.Id, status: seen.State.Status, startedAt: seen.State.StartedAt, restarts: seen.RestartCount };
}

/** No foreign container touched: each is still there as it was (or as its owner left it). */
export async function expectForeignUntouched(marks: ForeignMark[]): Promise<void> {
  for (const mark of marks) expect(await markForeign(mark.name), `foreign container ${mark.name}`).toEqual(mark);
}

/** Removes what `makeForeignNamed` made with `tag` (only those: never another's containers). */
export async function removeForeignTagged(tag: string): Promise<void> {
  const ids = (await podman(['ps', '-aq', '--filter', `label=podwarden-chaos-foreign=${tag}`]))
    .split('\n')
    .filter(Boolean);
  if (ids.length > 0) await podman(['rm', '-f', '-t', '0', ...ids]);
}
