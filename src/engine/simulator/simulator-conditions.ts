import { sleepOn, systemClock, type Clock } from '../../domain/clock.js';
import { EngineError, type EngineErrorCode } from '../../domain/engine-error.js';

/** The EnginePort methods, as counted in `control.calls`. */
export type EngineMethod =
  | 'ping'
  | 'imageExists'
  | 'pull'
  | 'build'
  | 'storageSpace'
  | 'create'
  | 'start'
  | 'stop'
  | 'remove'
  | 'inspect'
  | 'containerImage'
  | 'list'
  | 'exec'
  | 'events'
  | 'logs';

export const ENGINE_METHODS: readonly EngineMethod[] = [
  'ping',
  'imageExists',
  'pull',
  'build',
  'storageSpace',
  'create',
  'start',
  'stop',
  'remove',
  'inspect',
  'containerImage',
  'list',
  'exec',
  'events',
  'logs',
];

export interface EngineConditionsOptions {
  /** Delay between something happening and a stream delivering its event. Default 0; podman's median is ~250 ms. */
  eventLatencyMs?: number;
  /** How long a pull takes. Default 0. */
  pullLatencyMs?: number;
  /** How long every engine call takes before it acts. Default 0. */
  callLatencyMs?: number;
  /** Where the simulated engine reads the time and sets its timers; default the system clock. */
  clock?: Clock;
}

/**
 * How the simulated engine as a whole behaves right now: whether it answers, how slowly, which
 * calls fail next, and how often each method was called. Every EnginePort call passes `enter`.
 */
export class EngineConditions {
  readonly calls: Record<EngineMethod, number> = emptyCalls();
  reachable = true;
  eventLatencyMs: number;
  pullLatencyMs: number;
  callLatencyMs: number;
  readonly clock: Clock;
  private readonly failures = new Map<EngineMethod, EngineError[]>();

  constructor(options: EngineConditionsOptions) {
    this.clock = options.clock ?? systemClock;
    this.eventLatencyMs = nonNegative(options.eventLatencyMs ?? 0, 'eventLatencyMs');
    this.pullLatencyMs = nonNegative(options.pullLatencyMs ?? 0, 'pullLatencyMs');
    this.callLatencyMs = nonNegative(options.callLatencyMs ?? 0, 'callLatencyMs');
  }

  /** Counts the call, waits the call latency, then fails it if a failure is queued or the engine is down. */
  async enter(method: EngineMethod): Promise<void> {
    this.calls[method] += 1;
    if (this.callLatencyMs > 0) await sleepOn(this.clock, this.callLatencyMs);
    const injected = this.takeFailure(method);
    if (injected) throw injected;
    if (!this.reachable) throw unreachable(method);
  }

  /** The next injected failure of `method`, if any; it is used up. */
  takeFailure(method: EngineMethod): EngineError | undefined {
    return this.failures.get(method)?.shift();
  }

  failNext(method: EngineMethod, error: EngineError | EngineErrorCode, times: number): void {
    const failure =
      typeof error === 'string' ? new EngineError(error, `${method}: injected ${error} failure (simulator)`) : error;
    const queue = this.failures.get(method) ?? [];
    for (let i = 0; i < times; i += 1) queue.push(failure);
    this.failures.set(method, queue);
  }

  resetCalls(): void {
    for (const method of ENGINE_METHODS) this.calls[method] = 0;
  }

  setEventLatency(ms: number): void {
    this.eventLatencyMs = nonNegative(ms, 'eventLatencyMs');
  }

  setPullLatency(ms: number): void {
    this.pullLatencyMs = nonNegative(ms, 'pullLatencyMs');
  }

  setCallLatency(ms: number): void {
    this.callLatencyMs = nonNegative(ms, 'callLatencyMs');
  }
}

export function unreachable(method: string): EngineError {
  return new EngineError('unreachable', `${method}: cannot reach the engine (simulated engine is down)`);
}

function emptyCalls(): Record<EngineMethod, number> {
  const calls = {} as Record<EngineMethod, number>;
  for (const method of ENGINE_METHODS) calls[method] = 0;
  return calls;
}

function nonNegative(value: number, name: string): number {
  if (!Number.isFinite(value) || value < 0) {
    throw new Error(`simulator option ${name} must be a finite number >= 0, got ${value}`);
  }
  return value;
}
