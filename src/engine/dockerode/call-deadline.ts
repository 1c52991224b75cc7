import type { IncomingMessage } from 'node:http';
import { toEngineError, type CallContext } from './engine-errors.js';

/**
 * Runs one API call (or the opening of a stream) with a deadline: the signal handed to `run`
 * aborts after `timeoutMs`, and any failure comes out as an EngineError naming `ctx`.
 */
export async function withDeadline<T>(
  ctx: CallContext,
  timeoutMs: number,
  run: (abortSignal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    return await run(controller.signal);
  } catch (error) {
    throw toEngineError(error, ctx);
  } finally {
    clearTimeout(timer);
  }
}

/** Opens a streaming call (pull, build, logs) the adapter's way: see `DockerodeEngine.openStream`. */
export type OpenStream = (
  ctx: Omit<CallContext, 'socketPath'>,
  open: (abortSignal: AbortSignal) => Promise<IncomingMessage>,
) => Promise<IncomingMessage>;
