import type { FastifyInstance } from 'fastify';
import { APP_OR_COMPANION_PARAMS, type AppParams, type RouteContext } from './context.js';

/** GET /v1/apps/:id/explain, GET /v1/plan, GET /v1/image-offers, GET /v1/catalog */
export function explainRoutes(app: FastifyInstance, { orchestrator }: RouteContext): void {
  app.get<{ Params: AppParams }>('/v1/apps/:id/explain', { schema: { params: APP_OR_COMPANION_PARAMS } }, (request) =>
    orchestrator.explain(request.params.id),
  );
  app.get('/v1/plan', async () => ({ plan: await orchestrator.plan() }));
  // Each registry answer is bounded (10 s): a registry down makes its rows say so, never a stalled request.
  app.get('/v1/image-offers', async () => ({ offers: await orchestrator.imageOffers() }));
  app.get('/v1/catalog', async () => ({
    apps: orchestrator.catalog(),
    errors: orchestrator.catalogErrors().map((error) => ({ ...error.toJSON(), text: String(error) })),
  }));
}
