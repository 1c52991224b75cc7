import { assign, enqueueActions } from 'xstate';
import { appGuarded } from './app-guards.js';
import type { AppContext } from './app-knowledge.js';
import { describeFailure, formatWindow } from './failure.js';
import type { StepOutcome } from './types.js';
import { beganUpdate, updateTitle, type PrepareStep, type SnapshotRef, type UpdateRecord } from './update.js';

// The app machine's actions for updates (machines/update.ts): how each step of preparing,
// judging and rolling back an update changes what the machine knows of it.

function withUpdate(context: AppContext, change: Partial<UpdateRecord>): { update?: UpdateRecord } {
  return context.update ? { update: { ...context.update, ...change } } : {};
}

/** The record of an update as it ends: what is saved, then believed. */
export function endedUpdate(record: UpdateRecord): UpdateRecord {
  if (record.phase === 'trial') return { ...record, result: 'updated' };
  return { ...record, result: record.touched ? 'rolled-back' : 'abandoned' };
}

/** The record of an update handed over to its new version: on trial, and the data may change from here. */
export function handedOver(record: UpdateRecord): UpdateRecord {
  return { ...record, phase: 'trial', touched: true };
}

/** Why the new version is being rolled back: the failure that ended its trial. */
function trialFailure(context: AppContext): string {
  return context.failure ? describeFailure(context.failure) : context.reason;
}

/** The app machine with its guards and its update actions (app-actions.ts adds the rest). */
export const appUpdating = appGuarded.extend({
  actions: {
    beginUpdate: assign(({ context, event }) => {
      if (event.type !== 'UPDATE_SPEC') return {};
      const update = beganUpdate(context.spec, event.spec);
      return { update, reason: `updating ${updateTitle(update)}` };
    }),
    /** Its record is on disk: the update has begun (the answer says when). */
    stampUpdate: assign(({ context }, params: { outcome: StepOutcome }) =>
      withUpdate(context, { startedAt: context.update?.startedAt ?? params.outcome.begunAt }),
    ),
    prepared: assign(({ context }, params: { step: PrepareStep }) =>
      withUpdate(context, { done: [...(context.update?.done ?? []), params.step] }),
    ),
    noteSnapshot: assign(({ context }, params: { snapshot: SnapshotRef }) =>
      withUpdate(context, { snapshot: params.snapshot, done: [...(context.update?.done ?? []), 'snapshot'] }),
    ),
    /** The old container is gone: from here the new version is the app, on trial, with a fresh count of failures. */
    handOver: assign(({ context }) => {
      if (!context.update) return {};
      return {
        spec: context.update.to,
        update: handedOver(context.update),
        failures: 0,
        failure: undefined,
        quickExits: 0,
        reason: `updating ${updateTitle(context.update)}: the new version starts and must prove itself`,
      };
    }),
    /** A step of preparing failed: nothing new ran, the old version comes back as it was. */
    abandonUpdate: assign(({ context }, params: { step: string; error: unknown }) => {
      const message = params.error instanceof Error ? params.error.message : String(params.error);
      // The record's reason is said after "Abandoned the update … because" (explain): the cause alone.
      const reason = `${params.step} failed: ${message}`;
      return { ...withUpdate(context, { phase: 'rolling-back', reason }), reason: `abandoning the update: ${reason}` };
    }),
    /** The new version failed during its trial (a crash, a probe, a failed step): back to the old one. */
    judgeUpdate: assign(({ context }) => {
      const reason = `the new version failed during its trial: ${trialFailure(context)}`;
      return { ...withUpdate(context, { phase: 'rolling-back', reason }), reason };
    }),
    /** The new version was not ready long enough before the deadline. */
    judgeDeadline: assign(({ context }) => {
      const policy = context.update?.to.update;
      const reason = policy
        ? `the new version was not ready for ${formatWindow(policy.minHealthyMs)} within ${formatWindow(policy.deadlineMs)}`
        : 'the new version did not prove itself in time';
      return { ...withUpdate(context, { phase: 'rolling-back', reason }), reason };
    }),
    markRestored: assign(({ context }) => withUpdate(context, { restored: true })),
    /** Ended and saved: the update is history; the machine runs what it ended on. */
    finishUpdate: assign(({ context }, params: { outcome: StepOutcome }) => {
      if (!context.update) return {};
      const last: UpdateRecord = { ...endedUpdate(context.update), endedAt: params.outcome.at };
      const title = updateTitle(last);
      if (last.result === 'updated') return { update: undefined, lastUpdate: last, reason: `updated ${title}` };
      const how = last.restored ? ', data restored from the snapshot' : '';
      return {
        update: undefined,
        lastUpdate: last,
        spec: last.from,
        failures: 0,
        failure: undefined,
        quickExits: 0,
        reason: `${last.result} ${title}${how}: ${last.reason ?? ''}`,
      };
    }),
    /** Proven, but its record could not be saved: believed all the same (see app-running.ts). */
    commitUnsaved: assign(({ context }) =>
      context.update
        ? {
            update: undefined,
            lastUpdate: endedUpdate(context.update),
            reason: `updated ${updateTitle(context.update)}`,
          }
        : {},
    ),
    /** The owner's rollback of the last (verified) update: its snapshot back, its old version running. */
    ownerRollback: assign(({ context }) => {
      if (!context.lastUpdate) return {};
      const { result: _result, endedAt: _endedAt, ...record } = context.lastUpdate;
      const reason = `rolled back by the owner from ${updateTitle(record)}`;
      return {
        update: { ...record, phase: 'rolling-back' as const, touched: true, restored: false, reason },
        reason,
      };
    }),
    stashSpec: assign(({ event }) => (event.type === 'UPDATE_SPEC' ? { stashedSpec: event.spec } : {})),
    /** A manifest that came during the update is taken now, like any that comes. */
    takeStashedSpec: enqueueActions(({ context, enqueue }) => {
      if (!context.stashedSpec || context.update) return;
      enqueue.assign({ stashedSpec: undefined });
      enqueue.raise({ type: 'UPDATE_SPEC', spec: context.stashedSpec });
    }),
  },
});
