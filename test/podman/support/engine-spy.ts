import type { EnginePort } from '../../../src/engine/port.js';

/**
 * The real engine with the first argument of every `call` written down (the image ref of a
 * pull, the container id of a start); everything else passes through untouched, whatever
 * the port grows.
 */
export function recordingCalls(engine: EnginePort, call: 'pull' | 'start'): { engine: EnginePort; seen: string[] } {
  const seen: string[] = [];
  const spy = new Proxy(engine, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      if (property !== call) return value.bind(target);
      return (first: string, ...rest: unknown[]) => {
        seen.push(first);
        return value.call(target, first, ...rest);
      };
    },
  });
  return { engine: spy, seen };
}
