import { setup } from 'xstate';
import type {
  AppContext,
  AppInput,
  ContainerInput,
  CreateOutcome,
  ImageHealthcheckOutcome,
  PullOutcome,
} from './app-knowledge.js';
import { probeRunner } from './app-probes.js';
import { unprovided } from './app-steps.js';
import { backoffDelay } from './backoff.js';
import type { StepCause } from './step-cause.js';
import type { AppEvent, AppSpec, RenderOutcome, StepOutcome } from './types.js';
import type { SnapshotRef, UpdateRecord } from './update.js';

/**
 * What the app machine is made of before its guards and actions (app-guards.ts,
 * app-actions.ts extend it): its types, the effects it invokes (src/effects provides them with
 * `appMachine.provide({ actors })`) and its two clocks.
 */
export const appSetup = setup({
  types: {
    context: {} as AppContext,
    events: {} as AppEvent,
    input: {} as AppInput,
  },
  actors: {
    pullImage: unprovided<PullOutcome, { spec: AppSpec; cause?: StepCause }>('pullImage'),
    createContainer: unprovided<CreateOutcome, { spec: AppSpec; cause?: StepCause }>('createContainer'),
    startContainer: unprovided<StepOutcome, ContainerInput>('startContainer'),
    stopContainer: unprovided<StepOutcome, ContainerInput>('stopContainer'),
    removeContainer: unprovided<StepOutcome, ContainerInput>('removeContainer'),
    renderFiles: unprovided<RenderOutcome, { spec: AppSpec; cause?: StepCause }>('renderFiles'),
    runProbe: probeRunner,
    readImageHealthcheck: unprovided<ImageHealthcheckOutcome, ContainerInput>('readImageHealthcheck'),
    /** Keeps an update's record on disk before its next step (and its end): what boot resumes from. */
    saveUpdate: unprovided<StepOutcome, { record: UpdateRecord }>('saveUpdate'),
    /** Copies the app's data dir (the old version stopped), checks the copy, keeps it on record. */
    snapshotData: unprovided<SnapshotRef, { record: UpdateRecord }>('snapshotData'),
    /** Puts an update's snapshot back in place of the app's data dir. */
    restoreData: unprovided<StepOutcome, { record: UpdateRecord }>('restoreData'),
  },
  delays: {
    /** Before the next attempt after a failure: longer after each one in a row (backoff.ts). */
    backoff: ({ context }) => backoffDelay(context.failures, context.backoff, context.seed),
    /** Up this long, a container's earlier crashes are forgotten. */
    stablePeriod: ({ context }) => context.backoff.resetAfterMs,
    /** Ready this long without a break, a new version counts as good. */
    minHealthy: ({ context }) => context.update?.to.update?.minHealthyMs ?? 0,
    /** Not proven good within this, a new version is rolled back. */
    updateDeadline: ({ context }) => context.update?.to.update?.deadlineMs ?? 0,
  },
});
