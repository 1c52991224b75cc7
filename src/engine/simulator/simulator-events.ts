import type { Clock, TimerId } from '../../domain/clock.js';
import { Observable, type Subscriber } from 'rxjs';
import { EngineError } from '../../domain/engine-error.js';
import { type ContainerEvent } from '../../domain/container-observation.js';
import { type EngineEvent } from '../port.js';

/** How many past events `replay` can re-deliver. */
const RECENT_EVENTS_KEPT = 1024;

interface Pending {
  dueAt: number;
  event: ContainerEvent;
}

interface Stream {
  labels: ReadonlyArray<readonly [string, string]>;
  subscriber: Subscriber<EngineEvent>;
  queue: Pending[];
  head: number;
  timer: TimerId | undefined;
}

/**
 * The simulated engine's event streams. Like podman, a stream sees only what happens after
 * the engine accepted it (events before `connected` are lost), delivers in the order things
 * happened, and is cut, not paused, when the engine goes away. Delivery is never synchronous,
 * even at zero latency, because a real engine answers a call before its events arrive.
 */
export class SimulatedEventHub {
  private readonly streams = new Set<Stream>();
  /** The newest events, oldest first, for `replay`. */
  private recent: Array<{ event: ContainerEvent; containerLabels: Readonly<Record<string, string>> }> = [];

  constructor(
    private readonly latencyMs: () => number,
    private readonly reachable: () => boolean,
    private readonly clock: Clock,
  ) {}

  get openStreams(): number {
    return this.streams.size;
  }

  observe(labels: Record<string, string>): Observable<EngineEvent> {
    const wanted = Object.entries(labels);
    return new Observable<EngineEvent>((subscriber) => {
      let stream: Stream | undefined;
      const connect = this.clock.setTimeout(() => {
        if (!this.reachable()) {
          subscriber.error(unreachableStream());
          return;
        }
        stream = { labels: wanted, subscriber, queue: [], head: 0, timer: undefined };
        this.streams.add(stream);
        subscriber.next({ kind: 'connected' });
      }, 0);
      return () => {
        this.clock.clearTimeout(connect);
        if (stream) this.close(stream);
      };
    });
  }

  /**
   * Queues `event` for every stream whose label filter `containerLabels` satisfies. Podman
   * filters on the container's labels, not on the other attributes an event carries.
   */
  publish(event: ContainerEvent, containerLabels: Readonly<Record<string, string>>): void {
    this.recent.push({ event, containerLabels });
    if (this.recent.length > RECENT_EVENTS_KEPT * 2) this.recent = this.recent.slice(-RECENT_EVENTS_KEPT);
    for (const stream of this.streams) this.enqueue(stream, event, containerLabels);
  }

  /**
   * Every open stream receives the last `count` events again (those its filter passes), as
   * podman's file event logger re-delivers when it rotates its events file. At most the
   * newest RECENT_EVENTS_KEPT events can be replayed.
   */
  replay(count: number): void {
    const kept = this.recent.slice(-Math.min(count, RECENT_EVENTS_KEPT));
    for (const stream of this.streams) {
      for (const { event, containerLabels } of kept) this.enqueue(stream, event, containerLabels);
    }
  }

  private enqueue(stream: Stream, event: ContainerEvent, containerLabels: Readonly<Record<string, string>>): void {
    if (!matches(stream.labels, containerLabels)) return;
    const dueAt = this.clock.now() + Math.max(0, this.latencyMs());
    // A latency lowered while events are queued must not let later events overtake.
    const last = stream.queue[stream.queue.length - 1];
    const due = last && last.dueAt > dueAt ? last.dueAt : dueAt;
    stream.queue.push({ dueAt: due, event: { ...event, labels: { ...event.labels } } });
    if (stream.timer === undefined) this.schedule(stream);
  }

  /** Cuts every open stream, as an engine restart does; queued events are lost. */
  dropAll(reason: string): void {
    const streams = [...this.streams];
    for (const stream of streams) this.close(stream);
    for (const stream of streams) {
      stream.subscriber.error(new EngineError('unreachable', `engine event stream dropped: ${reason}`));
    }
  }

  private schedule(stream: Stream): void {
    const next = stream.queue[stream.head];
    if (!next) {
      stream.queue = [];
      stream.head = 0;
      stream.timer = undefined;
      return;
    }
    stream.timer = this.clock.setTimeout(() => this.deliver(stream), Math.max(0, next.dueAt - this.clock.now()));
  }

  private deliver(stream: Stream): void {
    stream.timer = undefined;
    const now = this.clock.now();
    while (this.streams.has(stream)) {
      const next = stream.queue[stream.head];
      if (!next || next.dueAt > now) break;
      stream.head += 1;
      stream.subscriber.next(next.event);
    }
    if (this.streams.has(stream)) this.schedule(stream);
  }

  private close(stream: Stream): void {
    this.clock.clearTimeout(stream.timer);
    stream.timer = undefined;
    stream.queue = [];
    stream.head = 0;
    this.streams.delete(stream);
  }
}

function matches(wanted: ReadonlyArray<readonly [string, string]>, labels: Readonly<Record<string, string>>): boolean {
  for (const [key, value] of wanted) {
    if (labels[key] !== value) return false;
  }
  return true;
}

function unreachableStream(): EngineError {
  return new EngineError('unreachable', 'cannot open the engine event stream: engine unreachable');
}
