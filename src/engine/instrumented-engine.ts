import { Observable } from 'rxjs';
import { systemClock, type Clock } from '../domain/clock.js';
import { EngineError } from '../domain/engine-error.js';
import { type EnginePort } from './port.js';

/** One engine call as metrics and health see it. */
export type EngineTelemetry =
  | { kind: 'call'; call: keyof EnginePort; outcome: 'ok' | string; error?: string }
  /** An engine event reached podwarden `lagMs` after the engine stamped it. */
  | { kind: 'event-lag'; lagMs: number };

/**
 * The engine port with every call reported (method and outcome: `ok` or the EngineError
 * code) and the delay of every container event measured, for /metrics and /healthz.
 */
export function instrumentEngine(
  engine: EnginePort,
  report: (telemetry: EngineTelemetry) => void,
  clock: Clock = systemClock,
): EnginePort {
  function timed<T>(call: keyof EnginePort, run: () => Promise<T>): Promise<T> {
    return run().then(
      (value) => {
        report({ kind: 'call', call, outcome: 'ok' });
        return value;
      },
      (error: unknown) => {
        report({
          kind: 'call',
          call,
          outcome: codeOf(error),
          error: error instanceof Error ? error.message : String(error),
        });
        throw error;
      },
    );
  }
  return {
    ping: () => timed('ping', () => engine.ping()),
    imageExists: (ref) => timed('imageExists', () => engine.imageExists(ref)),
    containerImage: (idOrName) => timed('containerImage', () => engine.containerImage(idOrName)),
    pull: (ref, options) => timed('pull', () => engine.pull(ref, options)),
    build: (spec, options) => timed('build', () => engine.build(spec, options)),
    storageSpace: () => timed('storageSpace', () => engine.storageSpace()),
    create: (spec) => timed('create', () => engine.create(spec)),
    start: (id) => timed('start', () => engine.start(id)),
    stop: (id, options) => timed('stop', () => engine.stop(id, options)),
    remove: (id) => timed('remove', () => engine.remove(id)),
    inspect: (idOrName) => timed('inspect', () => engine.inspect(idOrName)),
    list: (labels) => timed('list', () => engine.list(labels)),
    exec: (id, command, options) => timed('exec', () => engine.exec(id, command, options)),
    logs: (id, options) => engine.logs(id, options),
    events: (labels) =>
      new Observable((subscriber) => {
        const subscription = engine.events(labels).subscribe({
          next: (event) => {
            if (event.kind === 'connected') report({ kind: 'call', call: 'events', outcome: 'ok' });
            else report({ kind: 'event-lag', lagMs: Math.max(0, clock.now() - event.time) });
            subscriber.next(event);
          },
          error: (error: unknown) => {
            report({
              kind: 'call',
              call: 'events',
              outcome: codeOf(error),
              error: error instanceof Error ? error.message : String(error),
            });
            subscriber.error(error);
          },
          complete: () => subscriber.complete(),
        });
        return () => subscription.unsubscribe();
      }),
  };
}

function codeOf(error: unknown): string {
  return error instanceof EngineError ? error.code : 'error';
}
