import type { EnginePort } from './port.js';

/** The engine calls that change something: each costs podman real work (and disk). */
export type MutatingCall = 'start' | 'stop' | 'remove' | 'create' | 'pull' | 'build';

/**
 * Which waiting call goes first when a slot frees (lower first; equal: in call order). A start
 * is what brings a crashed app back, so it comes before everything; stop and remove free a name
 * or a port; pulls and builds are long and can wait.
 */
export const ENGINE_WORK_PRIORITY: Readonly<Record<MutatingCall, number>> = {
  start: 0,
  stop: 1,
  remove: 2,
  create: 3,
  pull: 4,
  build: 4,
};

/** Small: two cores run podman, conmon and the apps; more calls at once only make each slower. */
export const DEFAULT_MAX_IN_FLIGHT = 4;

export interface EngineWorkOptions {
  /** At most this many mutating calls at once (Infinity: unbounded). Default 4. */
  maxInFlight?: number;
  /** Told whenever the number in flight or waiting changes (for metrics). */
  onLoad?: (load: EngineWorkLoad) => void;
}

export interface EngineWorkLoad {
  inFlight: number;
  queued: number;
  maxInFlight: number;
}

interface Waiting {
  priority: number;
  order: number;
  long: boolean;
  go: () => void;
}

/**
 * The engine port with its mutating calls bounded and prioritised: at most `maxInFlight` at
 * once, the waiting ones taken by priority (`ENGINE_WORK_PRIORITY`), and pulls and builds
 * never holding every slot (one stays free for starts while a slow registry answers). Reads
 * (list, inspect, exec, events, logs) pass straight through: passes and probes must not
 * queue behind the work they judge. Timers stay in the machines and fire on time whatever
 * the queue; only the engine call waits for its turn.
 */
export function boundEngineWork(
  engine: EnginePort,
  options: EngineWorkOptions = {},
): EnginePort & { load(): EngineWorkLoad } {
  const maxInFlight = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
  if (!(maxInFlight >= 1)) throw new Error(`engine work: maxInFlight must be at least 1, got ${maxInFlight}`);
  const maxLong = maxInFlight >= 2 ? maxInFlight - 1 : 1;
  const waiting: Waiting[] = [];
  let inFlight = 0;
  let longInFlight = 0;
  let order = 0;

  const load = (): EngineWorkLoad => ({ inFlight, queued: waiting.length, maxInFlight });
  const report = () => options.onLoad?.(load());

  function dispatch(): void {
    while (inFlight < maxInFlight) {
      let next = -1;
      for (let i = 0; i < waiting.length; i += 1) {
        const candidate = waiting[i]!;
        if (candidate.long && longInFlight >= maxLong) continue;
        const best = waiting[next];
        if (
          !best ||
          candidate.priority < best.priority ||
          (candidate.priority === best.priority && candidate.order < best.order)
        )
          next = i;
      }
      if (next < 0) return;
      const [chosen] = waiting.splice(next, 1);
      chosen!.go();
    }
  }

  function bounded<T>(call: MutatingCall, run: () => Promise<T>): Promise<T> {
    const long = call === 'pull' || call === 'build';
    return new Promise<T>((resolve, reject) => {
      const go = () => {
        inFlight += 1;
        if (long) longInFlight += 1;
        report();
        let result: Promise<T>;
        try {
          result = run();
        } catch (error) {
          result = Promise.reject(error);
        }
        result
          .finally(() => {
            inFlight -= 1;
            if (long) longInFlight -= 1;
            dispatch();
            report();
          })
          .then(resolve, reject);
      };
      waiting.push({ priority: ENGINE_WORK_PRIORITY[call], order: (order += 1), long, go });
      dispatch();
      report();
    });
  }

  return {
    ping: () => engine.ping(),
    imageExists: (ref) => engine.imageExists(ref),
    containerImage: (idOrName) => engine.containerImage(idOrName),
    pull: (ref, pullOptions) => bounded('pull', () => engine.pull(ref, pullOptions)),
    build: (spec, buildOptions) => bounded('build', () => engine.build(spec, buildOptions)),
    storageSpace: () => engine.storageSpace(),
    create: (spec) => bounded('create', () => engine.create(spec)),
    start: (id) => bounded('start', () => engine.start(id)),
    stop: (id, stopOptions) => bounded('stop', () => engine.stop(id, stopOptions)),
    remove: (id) => bounded('remove', () => engine.remove(id)),
    inspect: (idOrName) => engine.inspect(idOrName),
    exec: (id, command, execOptions) => engine.exec(id, command, execOptions),
    list: (labels) => engine.list(labels),
    events: (labels) => engine.events(labels),
    logs: (id, logOptions) => engine.logs(id, logOptions),
    load,
  };
}
