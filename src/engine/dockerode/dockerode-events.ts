import type { IncomingMessage } from 'node:http';
import type Docker from 'dockerode';
import { Observable } from 'rxjs';
import { toEngineError, type CallContext } from './engine-errors.js';
import { containerEventFromRaw } from './container-event.js';
import { JsonStreamSplitter } from './event-lines.js';
import { hasLabels, labelFilters } from './label-selector.js';
import { EngineError } from '../../domain/engine-error.js';
import { type EngineEvent } from '../port.js';

/**
 * The engine's event stream for containers carrying `labels`, as EnginePort.events promises
 * it: `connected` once the engine accepted the stream, then container events; an error (never
 * a completion) when the engine cannot be reached in `apiTimeoutMs` or hangs up.
 */
export function containerEventStream(
  docker: Docker,
  socketPath: string,
  apiTimeoutMs: number,
  labels: Record<string, string>,
): Observable<EngineEvent> {
  const ctx: CallContext = {
    socketPath,
    action: `event stream for containers labelled ${labelFilters(labels).join(', ') || '(any)'}`,
  };
  return new Observable<EngineEvent>((subscriber) => {
    const controller = new AbortController();
    let response: IncomingMessage | undefined;
    let closed = false;
    const fail = (error: EngineError): void => {
      if (closed) return;
      closed = true;
      subscriber.error(error);
    };
    const connectTimer = setTimeout(() => controller.abort(), apiTimeoutMs);

    docker.getEvents(
      {
        filters:
          labelFilters(labels).length > 0
            ? { type: ['container'], label: labelFilters(labels) }
            : { type: ['container'] },
        abortSignal: controller.signal,
      },
      (error, stream) => {
        clearTimeout(connectTimer);
        const res = stream as IncomingMessage | undefined;
        if (closed) {
          res?.destroy();
          return;
        }
        if (error || !res) {
          fail(toEngineError(error ?? new Error('no response'), ctx));
          return;
        }
        response = res;
        subscriber.next({ kind: 'connected' });
        const splitter = new JsonStreamSplitter();
        res.on('data', (chunk: Buffer) => {
          // Non-JSON text on an event stream cannot be acted on; skip it.
          for (const item of splitter.push(chunk)) {
            if (closed || !('json' in item)) continue;
            const event = containerEventFromRaw(item.json);
            if (event && hasLabels(event.labels, labels)) subscriber.next(event);
          }
        });
        res.on('error', (streamError) => fail(toEngineError(streamError, ctx)));
        // 'end' and 'close' without an error: the engine hung up (service stopped).
        const hungUp = (): void =>
          fail(new EngineError('unreachable', `${ctx.action}: the engine at ${socketPath} closed the stream`));
        res.on('end', hungUp);
        res.on('close', hungUp);
      },
    );

    return () => {
      closed = true;
      clearTimeout(connectTimer);
      controller.abort();
      response?.destroy();
    };
  });
}
