import type { EnginePort } from '../../../src/engine/port.js';

const MUTATING = ['pull', 'build', 'create', 'start', 'stop', 'remove'] as const;

/**
 * The engine with its mutating calls counted as they reach it: how many were under way at
 * most, and every call with its subject (an image, a container name or id). Podwarden's own
 * calls, not podman's events, are what the scenarios count.
 */
export function countingInFlight(engine: EnginePort): {
  engine: EnginePort;
  most(): number;
  calls: Array<{ call: string; subject: string; at: number }>;
  reset(): void;
} {
  let inFlight = 0;
  let most = 0;
  const calls: Array<{ call: string; subject: string; at: number }> = [];
  const counted = { ...bound(engine) } as Record<string, unknown>;
  for (const method of MUTATING) {
    const original = (engine[method] as (...args: unknown[]) => Promise<unknown>).bind(engine);
    counted[method] = async (...args: unknown[]) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      const first = args[0];
      calls.push({
        call: method,
        subject:
          typeof first === 'string'
            ? first
            : String((first as { name?: string; tag?: string }).name ?? (first as { tag?: string }).tag),
        at: Date.now(),
      });
      try {
        return await original(...args);
      } finally {
        inFlight -= 1;
      }
    };
  }
  return {
    engine: counted as unknown as EnginePort,
    most: () => most,
    calls,
    reset() {
      most = inFlight;
      calls.length = 0;
    },
  };
}

function bound(engine: EnginePort): EnginePort {
  const methods = Object.getOwnPropertyNames(Object.getPrototypeOf(engine)).concat(Object.keys(engine));
  const out: Record<string, unknown> = {};
  for (const name of methods) {
    const value = (engine as unknown as Record<string, unknown>)[name];
    if (typeof value === 'function' && name !== 'constructor')
      out[name] = (value as (...args: unknown[]) => unknown).bind(engine);
  }
  return out as unknown as EnginePort;
}
