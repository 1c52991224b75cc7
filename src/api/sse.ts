import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Observable } from 'rxjs';
import type { Clock } from '../domain/clock.js';

export interface SseMessage {
  event: string;
  data: unknown;
}

const KEEPALIVE_MS = 15_000;

/**
 * Streams `messages` as Server-Sent Events until the client goes away or the stream ends.
 * A `hello` event goes first, so a client knows it is subscribed before it acts.
 */
export function streamSse(
  request: FastifyRequest,
  reply: FastifyReply,
  messages: Observable<SseMessage>,
  clock: Clock,
): void {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  const send = (message: SseMessage) => raw.write(`event: ${message.event}\ndata: ${JSON.stringify(message.data)}\n\n`);
  send({ event: 'hello', data: { at: clock.now() } });
  const keepalive = clock.setInterval(() => raw.write(': keepalive\n\n'), KEEPALIVE_MS);
  const subscription = messages.subscribe({
    next: send,
    error: (error: unknown) => {
      send({ event: 'error', data: { message: error instanceof Error ? error.message : String(error) } });
      raw.end();
    },
    complete: () => {
      send({ event: 'end', data: {} });
      raw.end();
    },
  });
  const close = () => {
    clock.clearInterval(keepalive);
    subscription.unsubscribe();
  };
  request.raw.once('close', close);
  raw.once('close', close);
}
