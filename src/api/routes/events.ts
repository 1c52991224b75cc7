import type { FastifyInstance } from 'fastify';
import { filter, map, merge } from 'rxjs';
import { streamSse, type SseMessage } from '../sse.js';
import type { RouteContext } from './context.js';

/**
 * GET /v1/events[?app=ID]: Server-Sent Events, `transition` (every app state change) and
 * `progress` (pull/build progress lines), as they happen.
 */
export function eventRoutes(app: FastifyInstance, { orchestrator }: RouteContext): void {
  app.get<{ Querystring: { app?: string } }>(
    '/v1/events',
    { schema: { querystring: { type: 'object', additionalProperties: false, properties: { app: { type: 'string', maxLength: 63 } } } } },
    (request, reply) => {
      const only = request.query.app;
      const messages = merge(
        orchestrator.transitions$.pipe(map((data): SseMessage => ({ event: 'transition', data }))),
        orchestrator.progress$.pipe(map((data): SseMessage => ({ event: 'progress', data }))),
      ).pipe(filter((message) => only === undefined || (message.data as { appId: string }).appId === only));
      streamSse(request, reply, messages);
    },
  );
}
