import type { Orchestrator } from '../../orchestrator.js';
import type { PodwardenMetrics } from '../../metrics/metrics.js';

/** What every route group gets. */
export interface RouteContext {
  orchestrator: Orchestrator;
  metrics: PodwardenMetrics;
}

export const APP_PARAMS = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: '^[a-z][a-z0-9-]*$', maxLength: 63 } },
} as const;

export type AppParams = { id: string };
