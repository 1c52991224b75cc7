import { mkdir } from 'node:fs/promises';
import { fromPromise } from 'xstate';
import type { ContainerInput, CreateOutcome } from '../../machines/app.machine.js';
import type { AppSpec, StepOutcome } from '../../machines/types.js';
import type { EnginePort } from '../engine/port.js';
import { DEFAULT_STOP_TIMEOUT_SECONDS } from '../manifest/container-spec.js';
import type { Logger } from '../log.js';
import { createImageEnsurer, type ImagePolicyOptions } from './pull-image.js';
import { createProbeActor } from './probes/probe-actor.js';

export interface AppEffectOptions extends ImagePolicyOptions {
  logger: Logger;
}

/**
 * The effect actors the app machine invokes. Each is one engine step, idempotent, and
 * reports when it finished so the machine can tell stale observations from fresh ones.
 */
export function createAppEffects(engine: EnginePort, options: AppEffectOptions) {
  const ensureImage = createImageEnsurer(engine, options);
  const log = options.logger;

  function step<TIn extends { spec: AppSpec }, TOut>(
    name: string,
    run: (input: TIn) => Promise<TOut>,
  ) {
    return fromPromise<TOut & StepOutcome, TIn>(async ({ input }) => {
      const begun = Date.now();
      log.debug({ app: input.spec.appId, step: name }, `${name} begins`);
      try {
        const result = await run(input);
        log.info({ app: input.spec.appId, step: name, ms: Date.now() - begun }, `${name} done`);
        return { ...result, begunAt: begun, at: Date.now() };
      } catch (error) {
        log.warn(
          { app: input.spec.appId, step: name, err: error instanceof Error ? error.message : String(error) },
          `${name} failed`,
        );
        throw error;
      }
    });
  }

  return {
    pullImage: step<{ spec: AppSpec }, { ref: string }>('pull', async ({ spec }) => {
      await ensureImage(spec);
      return { ref: spec.image.ref };
    }),
    createContainer: step<{ spec: AppSpec }, Omit<CreateOutcome, keyof StepOutcome>>('create', async ({ spec }) => {
      // podman refuses a bind mount whose source is missing; the app's data dir is ours to make.
      for (const dir of spec.directories ?? []) await mkdir(dir, { recursive: true, mode: 0o750 });
      const { id } = await engine.create(spec.container);
      return { id, specHash: spec.specHash };
    }),
    startContainer: step<ContainerInput, object>('start', async ({ containerId }) => {
      await engine.start(containerId);
      return {};
    }),
    stopContainer: step<ContainerInput, object>('stop', async ({ spec, containerId }) => {
      await engine.stop(containerId, {
        timeoutSeconds: spec.container.stopTimeoutSeconds ?? DEFAULT_STOP_TIMEOUT_SECONDS,
      });
      return {};
    }),
    removeContainer: step<ContainerInput, object>('remove', async ({ containerId }) => {
      await engine.remove(containerId);
      return {};
    }),
    runProbe: createProbeActor(engine, log),
  };
}
