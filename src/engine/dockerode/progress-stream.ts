import type { IncomingMessage } from 'node:http';
import { toEngineError, type CallContext } from './engine-errors.js';
import { JsonStreamSplitter } from './event-lines.js';
import { EngineError } from '../../domain/engine-error.js';
import { type PullOptions, type PullProgress } from '../port.js';

/**
 * Reads a pull/build progress stream to its end. Engines report failures as lines on an
 * HTTP 200 stream, so every line is checked; the first error line ends the stream.
 */
export async function followProgress(
  stream: IncomingMessage,
  ctx: CallContext,
  interpret: (line: unknown) => PullProgress | EngineError | null,
  options: PullOptions,
): Promise<void> {
  const splitter = new JsonStreamSplitter();
  const handle = (items: ReturnType<JsonStreamSplitter['push']>): void => {
    for (const item of items) {
      if (!('json' in item)) {
        throw new EngineError(
          'engine',
          `${ctx.action}: the engine sent a line that is not JSON: ${item.text.slice(0, 200)}`,
        );
      }
      const result = interpret(item.json);
      if (result instanceof EngineError) throw result;
      if (result) options.onProgress?.(result);
    }
  };
  try {
    for await (const chunk of stream) handle(splitter.push(chunk as Buffer));
    handle(splitter.end());
  } catch (error) {
    stream.destroy();
    throw toEngineError(error, ctx);
  }
}
