import { Observable } from 'rxjs';
import type { EnginePort } from '../engine/port.js';
import { recordedError, type Recorder } from './recorder.js';

/**
 * The engine as podwarden sees it, with every call and every event written to `sink` before
 * podwarden gets it. Behaviour is unchanged: answers, errors and events pass through as they are.
 */
export function recordingEngine(engine: EnginePort, sink: Recorder): EnginePort {
  let seq = 0;
  let streams = 0;
  const inFlight = new Map<number, { method: string; args: unknown[]; calledAt: number }>();

  // A call the engine never answered is still an input: its replay must never answer either.
  sink.onClose(() => {
    for (const [id, call] of inFlight) {
      sink.write({
        kind: 'call',
        seq: id,
        method: call.method,
        args: call.args,
        calledAt: call.calledAt,
        unanswered: true,
      });
    }
    inFlight.clear();
  });

  function call<T>(method: string, args: unknown[], run: () => Promise<T>): Promise<T> {
    seq += 1;
    const id = seq;
    const entry = { method, args: sink.portable(args) as unknown[], calledAt: sink.now() };
    inFlight.set(id, entry);
    let pending: Promise<T>;
    try {
      pending = run();
    } catch (error) {
      pending = Promise.reject(error);
    }
    return pending.then(
      (result) => {
        inFlight.delete(id);
        sink.write({ kind: 'call', seq: id, ...entry, result: result === undefined ? null : sink.portable(result) });
        return result;
      },
      (error: unknown) => {
        inFlight.delete(id);
        sink.write({ kind: 'call', seq: id, ...entry, error: recordedError(error, sink.portableText) });
        throw error;
      },
    );
  }

  return {
    ping: () => call('ping', [], () => engine.ping()),
    imageExists: (ref) => call('imageExists', [ref], () => engine.imageExists(ref)),
    containerImage: (idOrName) => call('containerImage', [idOrName], () => engine.containerImage(idOrName)),
    pull: (ref, options) => call('pull', [ref, options], () => engine.pull(ref, options)),
    build: (spec, options) => call('build', [spec, options], () => engine.build(spec, options)),
    storageSpace: () => call('storageSpace', [], () => engine.storageSpace()),
    create: (spec) => {
      sink.learnSpec(spec);
      return call('create', [spec], () => engine.create(spec));
    },
    start: (id) => call('start', [id], () => engine.start(id)),
    stop: (id, options) => call('stop', [id, options], () => engine.stop(id, options)),
    remove: (id) => call('remove', [id], () => engine.remove(id)),
    inspect: (idOrName) => call('inspect', [idOrName], () => engine.inspect(idOrName)),
    exec: (id, command, options) => call('exec', [id, command, options], () => engine.exec(id, command, options)),
    list: (labels) => call('list', [labels], () => engine.list(labels)),
    // Container output never reaches the machines, so a replay does not need it: not recorded.
    logs: (id, options) => engine.logs(id, options),
    events: (labels) =>
      new Observable((subscriber) => {
        streams += 1;
        const stream = streams;
        sink.write({ kind: 'subscribe', stream, labels: sink.portable(labels) as Record<string, string> });
        const subscription = engine.events(labels).subscribe({
          next: (event) => {
            sink.write({ kind: 'event', stream, event: sink.portable(event) as typeof event });
            subscriber.next(event);
          },
          error: (error: unknown) => {
            sink.write({ kind: 'stream-error', stream, error: recordedError(error, sink.portableText) });
            subscriber.error(error);
          },
          complete: () => {
            sink.write({ kind: 'stream-end', stream });
            subscriber.complete();
          },
        });
        return () => subscription.unsubscribe();
      }),
  };
}
