import type { FastifyInstance } from 'fastify';
import { PodwardenError } from '../../orchestrator.js';
import { rowKey } from '../../status-rows.js';
import { APP_OR_COMPANION_PARAMS, type AppParams, type RouteContext } from './context.js';

/** GET /v1/status, GET /v1/apps/:id */
export function statusRoutes(app: FastifyInstance, { orchestrator }: RouteContext): void {
  app.get('/v1/status', async () => ({ apps: orchestrator.status(), health: orchestrator.health() }));

  app.get<{ Params: AppParams }>('/v1/apps/:id', { schema: { params: APP_OR_COMPANION_PARAMS } }, async (request) => {
    const row = orchestrator.status().find((entry) => rowKey(entry) === request.params.id);
    if (!row) throw new PodwardenError(`app "${request.params.id}" is not installed`, 'not-found');
    return row;
  });
}
