import type { FastifyInstance } from 'fastify';
import type { RouteContext } from './context.js';

/** GET /metrics (Prometheus text), GET /healthz (200 supervising, 503 otherwise, JSON says why). */
export function metricsRoutes(app: FastifyInstance, { orchestrator, metrics }: RouteContext): void {
  app.get('/metrics', async (_request, reply) => {
    const text = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(text);
  });
  app.get('/healthz', async (_request, reply) => {
    const health = orchestrator.health();
    return reply.code(health.ok ? 200 : 503).send(health);
  });
}
