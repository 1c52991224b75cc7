import { endedUpdate } from '../../machines/app-update-actions.js';
import type { AppSpec, UpdatePolicy } from '../../machines/types.js';
import {
  holdsNewContainer,
  isRejected,
  nextPrepareStep,
  restoresData,
  resumedUpdate,
  type PrepareStep,
  type UpdatePhase,
  type UpdateResult,
  type UpdateRecord,
} from '../../machines/update.js';
import {
  specHash,
  toObservation,
  UPDATE_STEP_EFFECTS,
  type AppWorld,
  type Phase,
  type UpdatePhaseName,
} from './app-world.js';

/**
 * The update world's part of the app world model (app-world.ts): the update record as the
 * model keeps it (spec versions instead of specs), and the machine's rules about it, asked of
 * the same pure functions the machine asks (machines/update.ts), as the world asks `decide`.
 */

/** The policy of every spec version in the update world; only the strategy differs, by version. */
export const MODEL_UPDATE_POLICY: UpdatePolicy = {
  strategy: 'download-then-replace',
  snapshot: true,
  keepSnapshots: 3,
  minHealthyMs: 60_000,
  deadlineMs: 600_000,
  restoreData: true,
};

/** An update record with spec versions for specs. */
export interface ModelRecord {
  from: number;
  to: number;
  phase: UpdatePhase;
  done: PrepareStep[];
  snapshot: boolean;
  touched: boolean;
  restored: boolean;
  result?: UpdateResult;
}

/** Where a running app's trial region is (app-running.ts): no update on trial, judging it, or saving its verdict. */
export type Trial = 'none' | 'unproven' | 'proving' | 'committing';

/**
 * An update found in flight at boot: stopped after fetching, after the snapshot, or during
 * the trial (with the new version's container and the snapshot).
 */
export type InFlight = 'fetched' | 'snapshotted' | 'trial';

const PREPARING_PHASE: Record<PrepareStep, Phase> = {
  fetch: 'updating.fetching',
  stop: 'updating.stoppingOld',
  snapshot: 'updating.snapshotting',
  replace: 'updating.replacing',
};

export function isUpdatePhase(phase: Phase): phase is UpdatePhaseName {
  return phase in UPDATE_STEP_EFFECTS;
}

export function policyOf(world: Pick<AppWorld, 'stopFirst'>, version: number): UpdatePolicy {
  return {
    ...MODEL_UPDATE_POLICY,
    strategy: world.stopFirst.includes(version) ? 'stop-first' : 'download-then-replace',
  };
}

/** What the machine's update functions read of a spec version. */
function specOf(world: Pick<AppWorld, 'stopFirst'>, version: number): AppSpec {
  return { specHash: specHash(version), update: policyOf(world, version), dataDir: '/srv/demo' } as AppSpec;
}

/** The model's record as the machine's, enough for machines/update.ts to judge it. */
export function machineRecord(world: Pick<AppWorld, 'stopFirst'>, record: ModelRecord): UpdateRecord {
  return {
    appId: 'demo',
    from: specOf(world, record.from),
    to: specOf(world, record.to),
    phase: record.phase,
    done: record.done,
    ...(record.snapshot ? { snapshot: SNAPSHOT } : {}),
    touched: record.touched,
    restored: record.restored,
    ...(record.result ? { result: record.result } : {}),
  };
}

export const SNAPSHOT = {
  path: '/state/snapshots/demo/1',
  takenAt: 1,
  bytes: 10,
  files: 1,
  durationMs: 5,
  method: 'copy',
};

/** The next step of preparing (update.ts `nextPrepareStep`): its phase, or undefined for the hand-over. */
export function nextPreparingPhase(world: AppWorld): Phase | undefined {
  const step = nextPrepareStep(machineRecord(world, world.record!), world.known !== null && world.known !== undefined);
  return step === 'handover' ? undefined : PREPARING_PHASE[step];
}

/** Where `rollingBack.next` goes: the new container removed, the data restored, or the end recorded. */
export function rollbackPhase(world: AppWorld): Phase {
  const record = machineRecord(world, world.record!);
  const container = world.known ? toObservation(world, world.known) : world.known;
  if (holdsNewContainer(record, container)) return 'rollingBack.removingNew';
  if (restoresData(record)) return 'rollingBack.restoring';
  return 'rollingBack.recording';
}

/** A version the last update rolled back or abandoned (update.ts `isRejected`). */
export function rejects(world: AppWorld, version: number): boolean {
  return isRejected(world.last ? machineRecord(world, world.last) : undefined, specOf(world, version));
}

/** How an update ends, as saved (app-update-actions.ts `endedUpdate`; the strategy plays no part). */
export function ended(record: ModelRecord): ModelRecord {
  return { ...record, result: endedUpdate(machineRecord({ stopFirst: [] }, record)).result! };
}

/** A record found at boot, before the machine resumes it. */
export function inFlightRecord(kind: InFlight): ModelRecord {
  switch (kind) {
    case 'fetched':
      return { from: 1, to: 2, phase: 'preparing', done: ['fetch'], snapshot: false, touched: false, restored: false };
    case 'snapshotted':
      return {
        from: 1,
        to: 2,
        phase: 'preparing',
        done: ['fetch', 'stop', 'snapshot'],
        snapshot: true,
        touched: false,
        restored: false,
      };
    case 'trial':
      return {
        from: 1,
        to: 2,
        phase: 'trial',
        done: ['fetch', 'stop', 'snapshot', 'replace'],
        snapshot: true,
        touched: true,
        restored: false,
      };
  }
}

/** What the machine resumes from a record found at boot (update.ts `resumedUpdate`). */
export function resumed(record: ModelRecord): ModelRecord {
  const { phase, touched } = resumedUpdate(machineRecord({ stopFirst: [] }, record));
  return { ...record, phase, touched };
}

/** The part of the graph's key the update world adds: everything about updates that decides what happens next. */
export function updateKey(world: AppWorld): string {
  if (!world.updates) return '';
  const record = world.record;
  // The steps done and the strategy matter only while preparing (nextPrepareStep); after, the
  // snapshot and what the new version may have touched (restoresData, holdsNewContainer).
  const preparing = record?.phase === 'preparing';
  const recordKey = record
    ? [
        record.phase,
        preparing ? record.done.join('+') : '',
        record.snapshot ? 'snap' : '',
        record.touched ? 'touched' : '',
        record.restored ? 'restored' : '',
        preparing && world.stopFirst.includes(record.to) ? 'stop-first' : '',
        record.from === world.specVersion ? 'on-from' : '',
      ].join(',')
    : '';
  const last = world.last;
  const stash =
    world.stashed === undefined
      ? ''
      : world.stashed === world.specVersion
        ? 'stash:current'
        : rejects(world, world.stashed)
          ? 'stash:rejected'
          : 'stash:new';
  return [
    `rec:${recordKey}`,
    // What the machine asks of the last update: whether the owner can roll it back, or it rejects a version.
    last ? `last:${last.result === 'updated' ? 'updated' : 'rejected'}` : '',
    stash,
    world.trial,
  ].join(';');
}
