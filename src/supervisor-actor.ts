import type { Observable } from 'rxjs';
import { createActor, fromEventObservable, fromPromise, type Actor, type InspectionEvent } from 'xstate';
import { appMachine } from '../machines/app.machine.js';
import { companionUnitMachine } from '../machines/companion-unit.machine.js';
import { supervisorMachine, type Snapshot, type SupervisorInput } from '../machines/supervisor.machine.js';
import { changesNothing } from '../machines/step.js';
import type { createUnitEffects } from './companions/systemd/unit-effects.js';
import type { createAppEffects } from './effects/app-effects.js';
import type { Clock } from './domain/clock.js';
import type { EnginePort } from './engine/port.js';
import type { Logger } from './log.js';
import { clockScheduler } from './streams/clock-scheduler.js';
import { engineEvents$ } from './streams/engine-events.js';
import { listerActor } from './streams/lister.js';
import { looksActor } from './streams/looks.js';
import { tick$ } from './streams/tick.js';
import type { Transition } from './streams/transitions.js';

type Supervisor = Actor<typeof supervisorMachine>;

export interface SupervisorActorOptions {
  /** The app machine's effect actors (pull, create, render, start, …). */
  appEffects: ReturnType<typeof createAppEffects>;
  /** The companion-unit machine's effect actors, when companions run as systemd units. */
  unitEffects: ReturnType<typeof createUnitEffects> | undefined;
  /** Boot recovery's look at the engine (the gate opens on its answer). */
  recover(): Promise<Snapshot>;
  /** A reconcile pass's look at the engine. */
  observe(): Promise<Snapshot>;
  /** Where the engine event stream comes from (and where looks after events go), and the owner labels it is filtered by. */
  engine: EnginePort;
  owner: Record<string, string>;
  /** Reconcile pass interval. */
  intervalMs: number;
  input: SupervisorInput;
  inspectors: ((event: InspectionEvent) => void)[];
  logger: Logger;
  /** The machines' delays, the tick and the reconnect backoff all run on it. */
  clock: Clock;
}

/**
 * The supervisor as the daemon runs it, not yet started: the pure machines given their effect
 * actors, the engine observations, the reconcile tick and the engine event stream.
 */
export function createSupervisorActor(options: SupervisorActorOptions): Supervisor {
  const { engine, owner, logger: log, clock } = options;
  const scheduler = clockScheduler(clock);
  const machine = supervisorMachine.provide({
    actors: {
      app: appMachine.provide({ actors: options.appEffects }),
      ...(options.unitEffects ? { companionUnit: companionUnitMachine.provide({ actors: options.unitEffects }) } : {}),
      recover: fromPromise(() => options.recover()),
      lister: listerActor(() => options.observe()),
      ticks: fromEventObservable(() => tick$(options.intervalMs, scheduler)),
      engineEvents: fromEventObservable(() =>
        engineEvents$(engine, owner, {
          scheduler,
          onDisconnect: (error, attempt) =>
            log.warn(
              { attempt, err: error instanceof Error ? error.message : String(error) },
              'engine event stream lost; reconnecting',
            ),
        }),
      ),
      looks: looksActor(engine, {
        now: options.input.now,
        onError: (error, key, containerId) =>
          log.warn(
            { app: key, container: containerId, err: error instanceof Error ? error.message : String(error) },
            'could not look at a container after its events; the next pass will',
          ),
      }),
    },
  });
  return createActor(machine, {
    input: options.input,
    // XState's scheduler for `after` and delayed sends: the system's clock, which children share.
    clock,
    inspect: (event) => options.inspectors.forEach((inspect) => inspect(event)),
  });
}

/** What the supervisor and its machines say (passes, the gate, recovery, transitions), written to the log. */
export function logSupervisor(supervisor: Supervisor, transitions$: Observable<Transition>, log: Logger): void {
  supervisor.on('pass', ({ report }) => {
    const acted = report.entries.filter((entry) => !changesNothing(entry.action));
    if (report.error) log.warn({ pass: report.passId }, `pass ${report.passId}: ${report.error}`);
    else if (acted.length > 0) log.info({ pass: report.passId, acted }, `pass ${report.passId}`);
  });
  supervisor.on('gateOpened', ({ reason }) => {
    if (reason === 'cap') log.warn('recovery gate opened by its cap before recovery finished');
    else log.info('recovery done; supervising');
  });
  supervisor.on('recoveryFailed', ({ error }) => log.error({ err: error }, `boot recovery failed, retrying: ${error}`));
  supervisor.on('engineReconnected', () => log.info('engine event stream back; resyncing'));
  supervisor.subscribe({ error: (error) => log.fatal({ err: error }, 'supervisor crashed') });
  transitions$.subscribe((transition) =>
    log.info(
      { app: transition.appId, from: transition.from, to: transition.to, reason: transition.reason },
      `${transition.appId}: ${transition.from ?? '∅'} → ${transition.to}`,
    ),
  );
}
