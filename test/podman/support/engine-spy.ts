import { createDockerodeEngine } from '../../../src/engine/dockerode/dockerode-engine.js';
import type { EnginePort } from '../../../src/engine/port.js';
import { lane as laneOf, type Lane } from '../../lanes/support/lane.js';

type RecordedCall = 'pull' | 'create' | 'start' | 'stop' | 'remove' | 'exec';

/**
 * The real engine with every chosen call written down, in order, with its subject (the image
 * ref of a pull, the container name of a create, the container id of a start); everything
 * else passes through untouched, whatever the port grows.
 *
 * This, not `podman events`, is what tests count: `podman events` tails a file podman rotates
 * and now and then misses a line, so it can only bound a count from above.
 */
export function recordingCalls(
  engine: EnginePort,
  ...calls: RecordedCall[]
): { engine: EnginePort; seen: string[]; log: Array<{ call: RecordedCall; subject: string }> } {
  const log: Array<{ call: RecordedCall; subject: string }> = [];
  const seen: string[] = [];
  const spy = new Proxy(engine, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      if (!calls.includes(property as RecordedCall)) return value.bind(target);
      return (first: unknown, ...rest: unknown[]) => {
        const subject = typeof first === 'string' ? first : String((first as { name?: string }).name);
        log.push({ call: property as RecordedCall, subject });
        seen.push(subject);
        return value.call(target, first, ...rest);
      };
    },
  });
  return { engine: spy, seen, log };
}

/** A lane's engine with the chosen calls written down. */
export function recordingLaneCalls(lane: Lane, ...calls: RecordedCall[]): ReturnType<typeof recordingCalls> {
  return recordingCalls(createDockerodeEngine({ socketPath: lane.socketPath }), ...calls);
}

/** This machine's podman (the test socket) with the chosen calls written down. */
export function recordingPodmanCalls(...calls: RecordedCall[]): ReturnType<typeof recordingCalls> {
  return recordingLaneCalls(laneOf('podman'), ...calls);
}
