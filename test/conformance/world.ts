import type { Subscription } from 'rxjs';
import { LABELS } from '../../src/domain/labels.js';
import type { ContainerEvent } from '../../src/domain/container-observation.js';
import type { EngineEvent, EnginePort, PullOptions } from '../../src/engine/port.js';
import {
  createSimulatedEngine,
  type SimulatedEngine,
  type SimulatorOptions,
} from '../../src/engine/simulator/simulator.js';
import {
  SAMPLE_IMAGE_BEHAVIOURS,
  SAMPLE_REGISTRY,
  sampleImageRef,
  sampleRegistry,
  type SampleImageName,
} from '../../src/engine/simulator/simulator-images.js';

/**
 * One engine plus the outside world around it, so the same conformance scenarios run against
 * the simulator and against real podman. Everything a scenario does "behind podwarden's back"
 * goes through here: on podman it is the podman CLI, in the simulator it is `control`.
 */
export interface World {
  /** 'simulator' or 'podman', for messages. */
  readonly name: string;
  readonly engine: EnginePort;
  /** The owner label value of every container the scenarios create; unique per run. */
  readonly owner: string;
  /** Pull options that let pulls reach the plain-HTTP sample registry. */
  readonly pullOptions: PullOptions;
  /** How long to wait for an expected event before giving up (podman needs ~250 ms). */
  readonly eventTimeoutMs: number;
  image(name: SampleImageName): string;
  /** A ref in the sample registry's namespace that was never pushed. */
  missingImage(): string;
  /** A fresh tag of a sample image, in the registry but not yet in local storage. */
  uniqueImage(name: SampleImageName): Promise<string>;
  kill(id: string): Promise<void>;
  removeBehindBack(id: string): Promise<void>;
  pause(id: string): Promise<void>;
  unpause(id: string): Promise<void>;
  /** `podman healthcheck run`: one check now (podman here never runs them by itself). */
  runHealthcheck(id: string): Promise<void>;
  /** Container events seen for `owner`'s containers since the world opened, in order. */
  readonly events: readonly ContainerEvent[];
  /**
   * Resolves with the log once it holds `n` events, or once `predicate(log)` is true;
   * rejects after `timeoutMs` (default `eventTimeoutMs`).
   */
  waitForEvents(
    what: number | ((events: readonly ContainerEvent[]) => boolean),
    timeoutMs?: number,
  ): Promise<readonly ContainerEvent[]>;
  close(): Promise<void>;
}

/**
 * The event log behind `World.events` and `waitForEvents`: one subscription for the owner's
 * containers, opened (and confirmed by `connected`) before any scenario acts, so no event of a
 * scenario can be lost to a stream that is still connecting.
 */
export interface EventLog {
  readonly events: readonly ContainerEvent[];
  waitFor(
    what: number | ((events: readonly ContainerEvent[]) => boolean),
    timeoutMs: number,
  ): Promise<readonly ContainerEvent[]>;
  close(): void;
}

export async function openEventLog(
  engine: EnginePort,
  labels: Record<string, string>,
  connectTimeoutMs: number,
): Promise<EventLog> {
  const events: ContainerEvent[] = [];
  const waiters = new Set<() => void>();
  let failure: unknown;
  let subscription: Subscription | undefined;
  const notify = (): void => {
    for (const waiter of [...waiters]) waiter();
  };

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`event stream for ${JSON.stringify(labels)} not connected after ${connectTimeoutMs} ms`)),
      connectTimeoutMs,
    );
    subscription = engine.events(labels).subscribe({
      next: (event: EngineEvent) => {
        if (event.kind === 'connected') {
          clearTimeout(timer);
          resolve();
          return;
        }
        events.push(event);
        notify();
      },
      error: (error: unknown) => {
        clearTimeout(timer);
        failure = error;
        reject(error instanceof Error ? error : new Error(String(error)));
        notify();
      },
    });
  });

  return {
    events,
    waitFor(what, timeoutMs) {
      const done = typeof what === 'number' ? (log: readonly ContainerEvent[]) => log.length >= what : what;
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          if (failure !== undefined) {
            finish();
            reject(new Error(`event stream failed while waiting: ${String(failure)}`));
            return true;
          }
          if (!done(events)) return false;
          finish();
          resolve(events);
          return true;
        };
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`events did not arrive within ${timeoutMs} ms; seen: ${describe(events.slice(-10))}`));
        }, timeoutMs);
        const finish = (): void => {
          clearTimeout(timer);
          waiters.delete(waiter);
        };
        const waiter = (): void => {
          check();
        };
        waiters.add(waiter);
        check();
      });
    },
    close() {
      subscription?.unsubscribe();
      waiters.clear();
    },
  };
}

function describe(events: readonly ContainerEvent[]): string {
  if (events.length === 0) return '(none)';
  return events.map((e) => `${e.action}@${e.containerId.slice(0, 12)}`).join(', ');
}

/** A unique owner per run: leftovers of an earlier run on the same engine stay invisible. */
export function uniqueOwner(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** The simulator world: a simulated engine whose registry serves the sample images. */
export async function createSimulatorWorld(
  options: Omit<SimulatorOptions, 'registry'> = {},
): Promise<World & { engine: SimulatedEngine }> {
  const engine = createSimulatedEngine({ ...options, registry: sampleRegistry() });
  const owner = uniqueOwner('conformance-sim');
  const log = await openEventLog(engine, { [LABELS.owner]: owner }, 1_000);
  let uniqueTags = 0;
  return {
    name: 'simulator',
    engine,
    owner,
    pullOptions: { insecureRegistries: [SAMPLE_REGISTRY] },
    eventTimeoutMs: 2_000,
    image: (name) => sampleImageRef(name),
    missingImage: () => sampleImageRef('httpd', SAMPLE_REGISTRY, 'no-such-tag'),
    async uniqueImage(name) {
      uniqueTags += 1;
      const ref = sampleImageRef(name, SAMPLE_REGISTRY, `unique-${uniqueTags}`);
      engine.control.publishImage(ref, SAMPLE_IMAGE_BEHAVIOURS[name]);
      return ref;
    },
    kill: async (id) => engine.control.kill(id),
    removeBehindBack: async (id) => engine.control.removeBehindBack(id),
    pause: async (id) => engine.control.pause(id),
    unpause: async (id) => engine.control.unpause(id),
    runHealthcheck: async (id) => {
      engine.control.runHealthcheck(id);
    },
    get events() {
      return log.events;
    },
    waitForEvents: (what, timeoutMs = 2_000) => log.waitFor(what, timeoutMs),
    async close() {
      log.close();
    },
  };
}
