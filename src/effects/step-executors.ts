import { mkdir } from 'node:fs/promises';
import type { ContainerInput, CreateOutcome } from '../../machines/app-knowledge.js';
import type { StepCause } from '../../machines/step-cause.js';
import type { ExecutorStep } from '../../machines/step.js';
import type { AppSpec, RenderOutcome } from '../../machines/types.js';
import type { EnginePort } from '../engine/port.js';
import type { IntentRecord, JournaledFile, JournalStep } from '../journal/records.js';
import type { Logger } from '../log.js';
import { DEFAULT_STOP_TIMEOUT_SECONDS } from '../manifest/container-spec.js';
import { createImageEnsurer, type ImagePolicyOptions } from './pull-image.js';
import { renderFiles, type RenderMemory } from './render-files.js';

/** What every step is given: the app's spec and why the step runs. */
export interface StepInput {
  spec: AppSpec;
  cause?: StepCause;
}

/** What a step's intent records of what it touches: references only, never env values. */
export type StepTarget = Pick<IntentRecord, 'image' | 'containerName' | 'containerId' | 'files'> & {
  /** The journal's name for it when it is not the executor's (`build` for a pull that builds). */
  step?: JournalStep;
  /** Overrides the input's cause (a re-render of files a crash may have left unread). */
  cause?: StepCause;
};

/** Records the step's intent before it acts; each call replaces the intent its outcome closes. */
export type Intend = (target: StepTarget) => Promise<void>;

/**
 * One step's work, without its journal: `target` names what the intent records before it runs.
 * An executor without one says its intent itself, only when it acts (`intend`): a render that
 * writes nothing is neither journaled nor logged.
 */
export interface Executor<TIn extends StepInput, TOut> {
  target?: (input: TIn) => StepTarget;
  run: (input: TIn, intend: Intend) => Promise<TOut>;
}

export interface StepExecutorOptions extends ImagePolicyOptions {
  logger: Logger;
  /**
   * Apps whose render a crash cut short (from the journal at boot), with the files it was
   * writing: those may hold content the running container never read, so the app's first
   * render reports a change even when it writes nothing, and a running app restarts once.
   */
  rendersCutShort?: Map<string, JournaledFile[]>;
}

/** The cause journaled with the re-render of files a crash may have left unread. */
export const CUT_SHORT_RENDER_REASON =
  'a render was cut short when podwarden stopped; the app may not have read the files it wrote';

const onContainer = ({ spec, containerId }: ContainerInput): StepTarget => ({
  containerName: spec.container.name,
  containerId,
});

/**
 * The one executor of each step (machines/step.ts `ExecutorStep`), keyed by it. Each is
 * idempotent; src/effects/app-effects.ts wraps them all in the intent journal at once.
 */
export function createStepExecutors(engine: EnginePort, options: StepExecutorOptions) {
  const ensureImage = createImageEnsurer(engine, options);
  const log = options.logger;
  const renderMemory: RenderMemory = new Map();

  const pull: Executor<StepInput, { ref: string }> = {
    target: ({ spec }) => ({ step: spec.image.build ? 'build' : 'pull', image: spec.image.ref }),
    run: async ({ spec }) => {
      await ensureImage(spec);
      return { ref: spec.image.ref };
    },
  };

  const create: Executor<StepInput, Omit<CreateOutcome, 'at' | 'begunAt'>> = {
    target: ({ spec }) => ({ image: spec.image.ref, containerName: spec.container.name }),
    run: async ({ spec }) => {
      // podman refuses a bind mount whose source is missing; the app's data dir is ours to make.
      for (const dir of spec.directories ?? []) await mkdir(dir, { recursive: true, mode: 0o750 });
      const { id } = await engine.create(spec.container);
      return { id, specHash: spec.specHash };
    },
  };

  // No `target`: it runs on every pass, and only a render that changes a file is journaled (its
  // intent names the files and why they change, never what they hold).
  const render: Executor<StepInput, RenderOutcome> = {
    run: async ({ spec, cause }, intend) => {
      const { appId, render: files } = spec;
      if (!files) return { changed: false };
      const cutShort = options.rendersCutShort?.get(appId);
      const { changed } = await renderFiles(
        { owner: appId, ...files },
        { log, memory: renderMemory, beforeWrite: (written) => intend({ files: written }) },
      );
      if (!changed && cutShort) {
        // Written before the crash, or never: either way the container may run with older files.
        await intend({
          files: cutShort.map(({ path }) => ({ path, change: 'unread' })),
          cause: { reason: CUT_SHORT_RENDER_REASON, trigger: cause?.trigger ?? 'unknown' },
        });
        log.info(
          { app: appId, files: cutShort.map(({ path }) => path) },
          'a render was cut short by a crash; the app reads its files again',
        );
      }
      options.rendersCutShort?.delete(appId);
      return { changed: changed || cutShort !== undefined };
    },
  };

  const start: Executor<ContainerInput, object> = {
    target: onContainer,
    run: async ({ containerId }) => {
      await engine.start(containerId);
      return {};
    },
  };

  const stop: Executor<ContainerInput, object> = {
    target: onContainer,
    run: async ({ spec, containerId }) => {
      await engine.stop(containerId, {
        timeoutSeconds: spec.container.stopTimeoutSeconds ?? DEFAULT_STOP_TIMEOUT_SECONDS,
      });
      return {};
    },
  };

  const remove: Executor<ContainerInput, object> = {
    target: onContainer,
    run: async ({ containerId }) => {
      await engine.remove(containerId);
      return {};
    },
  };

  return { pull, create, render, start, stop, remove } satisfies Record<ExecutorStep, Executor<never, unknown>>;
}
