import { mkdir } from 'node:fs/promises';
import { fromPromise } from 'xstate';
import type { ContainerInput, CreateOutcome } from '../../machines/app.machine.js';
import type { ImageHealthcheckOutcome } from '../../machines/app-knowledge.js';
import type { AppSpec, RenderOutcome, StepOutcome } from '../../machines/types.js';
import { systemClock, type Clock } from '../domain/clock.js';
import type { EnginePort } from '../engine/port.js';
import { DEFAULT_STOP_TIMEOUT_SECONDS } from '../manifest/container-spec.js';
import type { Logger } from '../log.js';
import type { Journal } from '../journal/journal.js';
import type { IntentRecord, JournaledFile, JournalStep } from '../journal/records.js';
import type { StepCause } from '../../machines/step-cause.js';
import { createImageEnsurer, type ImagePolicyOptions } from './pull-image.js';
import { renderFiles, type RenderMemory } from './render-files.js';
import { createProbeActor } from './probes/probe-actor.js';
import { createNetworkTargets } from './probes/probe-target.js';

export interface AppEffectOptions extends ImagePolicyOptions {
  logger: Logger;
  /** Intent journal: each step is recorded before it acts, and its outcome after. */
  journal?: Pick<Journal, 'append'>;
  /**
   * Apps whose render a crash cut short (from the journal at boot), with the files it was
   * writing: those may hold content the running container never read, so the app's first
   * render reports a change even when it writes nothing, and a running app restarts once.
   */
  rendersCutShort?: Map<string, JournaledFile[]>;
  /** Dates journal records and step outcomes, and runs the probes' intervals; default the system clock. */
  clock?: Clock;
}

/** The cause journaled with the re-render of files a crash may have left unread. */
export const CUT_SHORT_RENDER_REASON =
  'a render was cut short when podwarden stopped; the app may not have read the files it wrote';

/** What a step touches, as the journal records it (references only, never env values). */
type StepTarget = Pick<IntentRecord, 'image' | 'containerName' | 'containerId'>;

/**
 * The effect actors the app machine invokes. Each is one engine step, idempotent, and
 * reports when it finished so the machine can tell stale observations from fresh ones.
 */
export function createAppEffects(engine: EnginePort, options: AppEffectOptions) {
  const ensureImage = createImageEnsurer(engine, options);
  const log = options.logger;
  const clock = options.clock ?? systemClock;

  const journal = options.journal;
  const renderMemory: RenderMemory = new Map();
  const NO_CAUSE: StepCause = { reason: '', trigger: 'unknown' };

  function step<TIn extends { spec: AppSpec; cause?: StepCause }, TOut>(
    name: string,
    target: (input: TIn) => StepTarget & { step?: JournalStep },
    run: (input: TIn) => Promise<TOut>,
  ) {
    return fromPromise<TOut & StepOutcome, TIn>(async ({ input }) => {
      const appId = input.spec.appId;
      const { step: journalStep = name, ...touched } = target(input);
      const intent = await journal?.append({
        type: 'intent',
        at: clock.now(),
        appId,
        step: journalStep,
        ...touched,
        cause: input.cause ?? NO_CAUSE,
      });
      const outcome = (ok: boolean, extra: { containerId?: string; error?: string }) =>
        intent === undefined
          ? undefined
          : journal?.append({ type: 'outcome', at: clock.now(), appId, step: journalStep, intent, ok, ...extra });
      const begun = clock.now();
      log.debug({ app: appId, step: name }, `${name} begins`);
      try {
        const result = await run(input);
        const id = (result as { id?: unknown }).id;
        await outcome(
          true,
          typeof id === 'string'
            ? { containerId: id }
            : touched.containerId
              ? { containerId: touched.containerId }
              : {},
        );
        log.info({ app: appId, step: name, ms: clock.now() - begun }, `${name} done`);
        return { ...result, begunAt: begun, at: clock.now() };
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        await outcome(false, { error: message });
        log.warn({ app: appId, step: name, err: message }, `${name} failed`);
        throw error;
      }
    });
  }

  const onContainer = ({ spec, containerId }: ContainerInput): StepTarget => ({
    containerName: spec.container.name,
    containerId,
  });

  return {
    pullImage: step<{ spec: AppSpec; cause?: StepCause }, { ref: string }>(
      'pull',
      ({ spec }) => ({ step: spec.image.build ? 'build' : 'pull', image: spec.image.ref }),
      async ({ spec }) => {
        await ensureImage(spec);
        return { ref: spec.image.ref };
      },
    ),
    createContainer: step<{ spec: AppSpec; cause?: StepCause }, Omit<CreateOutcome, keyof StepOutcome>>(
      'create',
      ({ spec }) => ({ image: spec.image.ref, containerName: spec.container.name }),
      async ({ spec }) => {
        // podman refuses a bind mount whose source is missing; the app's data dir is ours to make.
        for (const dir of spec.directories ?? []) await mkdir(dir, { recursive: true, mode: 0o750 });
        const { id } = await engine.create(spec.container);
        return { id, specHash: spec.specHash };
      },
    ),
    startContainer: step<ContainerInput, object>('start', onContainer, async ({ containerId }) => {
      await engine.start(containerId);
      return {};
    }),
    stopContainer: step<ContainerInput, object>('stop', onContainer, async ({ spec, containerId }) => {
      await engine.stop(containerId, {
        timeoutSeconds: spec.container.stopTimeoutSeconds ?? DEFAULT_STOP_TIMEOUT_SECONDS,
      });
      return {};
    }),
    removeContainer: step<ContainerInput, object>('remove', onContainer, async ({ containerId }) => {
      await engine.remove(containerId);
      return {};
    }),
    // Not a `step`: it runs on every pass, and only a render that changes a file is journaled
    // (its intent names the files and why they change, never what they hold), so quiet passes
    // neither log nor grow the journal.
    renderFiles: fromPromise<RenderOutcome, { spec: AppSpec; cause?: StepCause }>(async ({ input }) => {
      const { appId, render } = input.spec;
      if (!render) return { changed: false };
      const cause = input.cause ?? NO_CAUSE;
      const cutShort = options.rendersCutShort?.get(appId);
      let intent: number | undefined;
      const note = async (files: JournaledFile[], why: StepCause) => {
        intent = await journal?.append({ type: 'intent', at: clock.now(), appId, step: 'render', files, cause: why });
      };
      const finish = (ok: boolean, error?: string) =>
        intent === undefined
          ? undefined
          : journal?.append({
              type: 'outcome',
              at: clock.now(),
              appId,
              step: 'render',
              intent,
              ok,
              ...(error === undefined ? {} : { error }),
            });
      try {
        const { changed } = await renderFiles(
          { owner: appId, ...render },
          {
            log,
            memory: renderMemory,
            ...(journal ? { beforeWrite: (files: JournaledFile[]) => note(files, cause) } : {}),
          },
        );
        if (!changed && cutShort) {
          // Written before the crash, or never: either way the container may run with older files.
          await note(
            cutShort.map(({ path }) => ({ path, change: 'unread' })),
            { reason: CUT_SHORT_RENDER_REASON, trigger: cause.trigger },
          );
          log.info(
            { app: appId, files: cutShort.map(({ path }) => path) },
            'a render was cut short by a crash; the app reads its files again',
          );
        }
        await finish(true);
        options.rendersCutShort?.delete(appId);
        return { changed: changed || cutShort !== undefined };
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        await finish(false, message);
        log.warn({ app: appId, step: 'render', err: message }, 'render failed');
        throw error;
      }
    }),
    runProbe: createProbeActor(engine, log, createNetworkTargets(engine), clock),
    // Not a `step`: a read, journalled by nobody. The pass list does not carry health checks,
    // so a container's own is read once by inspect when it runs.
    readImageHealthcheck: fromPromise<ImageHealthcheckOutcome, ContainerInput>(async ({ input }) => {
      const seen = await engine.inspect(input.containerId);
      return { containerId: input.containerId, ...(seen?.healthcheck ? { healthcheck: seen.healthcheck } : {}) };
    }),
  };
}
