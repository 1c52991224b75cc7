import { Subject } from 'rxjs';
import { createActor, fromEventObservable, fromPromise } from 'xstate';
import { appMachine } from '../../machines/app.machine.js';
import {
  supervisorMachine,
  type DeclaredApp,
  type Snapshot,
  type SupervisorEvent,
} from '../../machines/supervisor.machine.js';
import { DEFAULT_BACKOFF, type PassReport } from '../../machines/types.js';
import type { ContainerObservation } from '../../src/domain/container-observation.js';
import { tick$ } from '../../src/streams/tick.js';
import { listerActor } from '../../src/streams/lister.js';
import { looksActor } from '../../src/streams/looks.js';

export interface HarnessOptions {
  intervalMs?: number;
  holdGateForEmbedder?: boolean;
  gateCapMs?: number;
  /** Boot recovery never answers (an engine that hangs at boot). */
  recoveryHangs?: boolean;
  apps?: Record<string, DeclaredApp>;
  /** Installed apps whose manifest is refused (left alone), with why. */
  refused?: Record<string, string>;
  /** The app machine with effects of the test's own (by default none is provided). */
  appMachine?: typeof appMachine;
}

/**
 * The supervisor with its I/O replaced by counters: ticks are the real tick$ (driven by
 * vitest's fake timers), the engine is a list of containers the test controls.
 */
export function startSupervisor(options: HarnessOptions = {}) {
  const world = {
    containers: [] as ContainerObservation[],
    observeFails: false,
    observeCalls: 0,
    recoverCalls: 0,
    passes: [] as PassReport[],
    gate: [] as string[],
    engine: new Subject<SupervisorEvent>(),
  };
  const snapshot = (): Snapshot => ({ observedAt: Date.now(), containers: world.containers });
  const machine = supervisorMachine.provide({
    actors: {
      app: options.appMachine ?? appMachine,
      recover: fromPromise(async () => {
        world.recoverCalls += 1;
        if (options.recoveryHangs) await new Promise(() => undefined);
        return snapshot();
      }),
      lister: listerActor(async () => {
        world.observeCalls += 1;
        if (world.observeFails) throw new Error('connect ENOENT /run/podman/podman.sock');
        return snapshot();
      }),
      ticks: fromEventObservable(() => tick$(options.intervalMs ?? 30_000)),
      engineEvents: fromEventObservable(() => world.engine.asObservable()),
      looks: looksActor(
        { inspect: async (id) => world.containers.find((container) => container.id === id) ?? null },
        {
          now: () => Date.now(),
          onError: (error) => {
            throw error;
          },
        },
      ),
    },
  });
  const actor = createActor(machine, {
    input: {
      apps: options.apps ?? {},
      refused: options.refused ?? {},
      backoff: DEFAULT_BACKOFF,
      holdGateForEmbedder: options.holdGateForEmbedder ?? false,
      gateCapMs: options.gateCapMs ?? 30 * 60_000,
      recoverRetryMs: 5_000,
      passTimeoutMs: 10_000,
      now: () => Date.now(),
    },
  });
  actor.on('pass', ({ report }) => world.passes.push(report));
  actor.on('gateOpened', ({ reason }) => world.gate.push(reason));
  actor.start();
  return { actor, world };
}
