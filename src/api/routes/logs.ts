import type { FastifyInstance } from 'fastify';
import { map } from 'rxjs';
import { streamSse } from '../sse.js';
import { APP_OR_COMPANION_PARAMS, type AppParams, type RouteContext } from './context.js';

/**
 * GET /v1/apps/:id/logs?tail=N&follow=true: the container's output as Server-Sent Events
 * (`line` events with `{stream, text}`, then `end`). An unknown app is a 404 before the stream.
 */
export function logRoutes(app: FastifyInstance, { orchestrator, clock }: RouteContext): void {
  app.get<{ Params: AppParams; Querystring: { tail?: string; follow?: 'true' | 'false' } }>(
    '/v1/apps/:id/logs',
    {
      schema: {
        params: APP_OR_COMPANION_PARAMS,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            // Query values are text: digits only, read here.
            tail: {
              type: 'string',
              pattern: '^(?:100000|[1-9]?[0-9]{1,4})$',
              description: 'must be a whole number of lines from 0 to 100000',
            },
            follow: { type: 'string', enum: ['true', 'false'], description: 'must be true or false' },
          },
        },
      },
    },
    (request, reply) => {
      const lines = orchestrator.logs(request.params.id, {
        follow: request.query.follow === 'true',
        ...(request.query.tail === undefined ? {} : { tail: Number(request.query.tail) }),
      });
      streamSse(request, reply, lines.pipe(map((data) => ({ event: 'line', data }))), clock);
    },
  );
}
