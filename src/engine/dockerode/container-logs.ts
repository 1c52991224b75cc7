import type { IncomingMessage } from 'node:http';
import type Docker from 'dockerode';
import { Observable } from 'rxjs';
import type { OpenStream } from './call-deadline.js';
import { LogFrameSplitter } from './log-frames.js';
import { EngineError } from '../../domain/engine-error.js';
import { type LogLine, type LogOptions } from '../port.js';

/**
 * A container's logs (`GET /containers/{id}/logs`, stdout and stderr) as lines, over one
 * streaming call opened on subscription; unsubscribing closes it.
 */
export function containerLogs(
  docker: Docker,
  openStream: OpenStream,
  id: string,
  options: LogOptions,
): Observable<LogLine> {
  const action = `logs of container ${id}`;
  return new Observable<LogLine>((subscriber) => {
    let body: IncomingMessage | undefined;
    let closed = false;
    openStream(
      { action },
      (abortSignal) =>
        new Promise<IncomingMessage>((resolve, reject) => {
          docker.modem.dial(
            {
              path: `/containers/${encodeURIComponent(id)}/logs?`,
              method: 'GET',
              options: {
                stdout: true,
                stderr: true,
                follow: options.follow ?? false,
                ...(options.tail === undefined ? {} : { tail: options.tail }),
              },
              abortSignal,
              isStream: true,
              statusCodes: { 200: true, 404: 'no such container', 500: 'server error' },
            },
            (error: unknown, data: unknown) => (error ? reject(error) : resolve(data as IncomingMessage)),
          );
        }),
    ).then(
      (stream) => {
        body = stream;
        if (closed) {
          stream.destroy();
          return;
        }
        const splitter = new LogFrameSplitter();
        stream.on('data', (chunk: Buffer) => splitter.push(chunk).forEach((line) => subscriber.next(line)));
        stream.on('end', () => {
          splitter.flush().forEach((line) => subscriber.next(line));
          subscriber.complete();
        });
        stream.on('error', (error) => {
          if (!closed)
            subscriber.error(new EngineError('unreachable', `${action}: the stream broke: ${error.message}`, error));
        });
      },
      (error: unknown) => subscriber.error(error),
    );
    return () => {
      closed = true;
      body?.destroy();
    };
  });
}
