import { defer, retry, timer, type Observable, type SchedulerLike, type Subscription } from 'rxjs';
import { companionKey } from '../../machines/binding.js';
import type { ContainerEvent } from '../domain/container-observation.js';
import type { EnginePort } from '../engine/port.js';
import type { Logger } from '../log.js';
import type { Transition } from './transitions.js';

/**
 * The container name an engine event is about: podman (and Docker) put it among the event's
 * attributes, which the port passes on as labels.
 */
export function eventContainerName(event: ContainerEvent): string | undefined {
  return event.labels.name;
}

export interface FreedNamesOptions {
  /** A container holding `name`, which `key` waits for, was removed (or is gone). */
  onFreed(key: string, name: string): void;
  logger: Logger;
  /** First wait before reconnecting a dropped stream; doubles up to 5 s. */
  retryMs?: number;
  /** Where the reconnect backoff waits; default RxJS's async scheduler (the wall clock). */
  scheduler?: SchedulerLike;
}

/**
 * Watches for container names to be freed. An app whose create failed because a container
 * podwarden does not own holds its name waits in backoff (up to minutes); the holder's
 * removal is an engine event, but not on podwarden's own stream, which only carries its own
 * containers. So while some app waits for a name, one more stream (all containers) is open,
 * and a `remove` of a container with a wanted name frees its waiter at once. When the stream
 * (re)connects, each wanted name is looked up once, for a removal it missed.
 */
export function watchFreedNames(engine: EnginePort, options: FreedNamesOptions) {
  const wanted = new Map<string, string>(); // key → name
  let subscription: Subscription | undefined;
  const retryMs = options.retryMs ?? 500;

  function freed(name: string): void {
    for (const [key, waitsFor] of [...wanted]) {
      if (waitsFor !== name) continue;
      wanted.delete(key);
      options.onFreed(key, name);
    }
    if (wanted.size === 0) close();
  }

  /** A removal the stream could not hear (before it was open, or while it was down). */
  async function lookUp(): Promise<void> {
    for (const name of new Set(wanted.values())) {
      try {
        if ((await engine.inspect(name)) === null) freed(name);
      } catch {
        // The engine does not answer: the stream's next connection looks again.
      }
    }
  }

  function open(): void {
    if (subscription) return;
    subscription = defer(() => engine.events({}))
      .pipe(
        retry({
          resetOnSuccess: true,
          delay: (error: unknown, attempt) => {
            options.logger.debug(
              { attempt, err: error instanceof Error ? error.message : String(error) },
              'freed-name stream lost; reconnecting',
            );
            return timer(Math.min(5_000, retryMs * 2 ** (attempt - 1)), options.scheduler);
          },
        }),
      )
      .subscribe((event) => {
        if (event.kind === 'connected') void lookUp();
        else if (event.action === 'remove') {
          const name = eventContainerName(event);
          if (name !== undefined) freed(name);
        }
      });
  }

  function close(): void {
    subscription?.unsubscribe();
    subscription = undefined;
  }

  return {
    /** `key` (an app, or a companion) waits for `name` to be free. */
    want(key: string, name: string): void {
      wanted.set(key, name);
      open();
    },
    /** `key` no longer waits (it left its backoff by the timer, or was removed). */
    drop(key: string): void {
      if (!wanted.delete(key)) return;
      if (wanted.size === 0) close();
    },
    close,
  };
}

/**
 * Keeps `watch` in step with the machines: a child that backs off because its name is taken
 * waits for that name; any other change of state ends its wait.
 */
export function followNameWaits(
  transitions$: Observable<Transition>,
  watch: ReturnType<typeof watchFreedNames>,
): Subscription {
  return transitions$.subscribe((transition) => {
    const key =
      transition.companion === undefined ? transition.appId : companionKey(transition.appId, transition.companion);
    const failure = transition.failureReason;
    if (transition.to === 'backoff' && failure?.kind === 'name-taken') watch.want(key, failure.name);
    else watch.drop(key);
  });
}
