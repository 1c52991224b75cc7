import type { FastifyInstance } from 'fastify';
import { APP_ID, type RouteContext } from './context.js';

/**
 * POST /v1/adopt: installs the apps whose containers podwarden leaves alone (status rows in
 * state `unclaimed`), all of them or those named in `{ "apps": [...] }`. 200 with the apps adopted.
 */
export function adoptRoutes(app: FastifyInstance, { orchestrator }: RouteContext): void {
  app.post<{ Body: { apps?: string[] } | null }>(
    '/v1/adopt',
    {
      schema: {
        body: {
          type: ['object', 'null'],
          additionalProperties: false,
          properties: { apps: { type: 'array', maxItems: 256, items: APP_ID } },
        },
      },
    },
    async (request) => ({ adopted: await orchestrator.adopt(request.body?.apps) }),
  );
}
