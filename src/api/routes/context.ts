import type { Clock } from '../../domain/clock.js';
import { APP_ID_PATTERN } from '../../manifest/field-formats.js';
import type { Orchestrator } from '../../orchestrator.js';
import type { PodwardenMetrics } from '../../metrics/metrics.js';

/** What every route group gets. */
export interface RouteContext {
  orchestrator: Orchestrator;
  metrics: PodwardenMetrics;
  /** Dates the event streams' `hello` and runs their keepalive. */
  clock: Clock;
}

/** An app id wherever the API takes one (path or query): the manifest's own rule. */
export const APP_ID = { type: 'string', pattern: APP_ID_PATTERN.source } as const;

/** An app's id or a companion's (`bitcoind/ui`; `bitcoind%2Fui` in a path), where a route reads a machine. */
const ONE_ID = APP_ID_PATTERN.source.replace(/^\^/, '').replace(/\$$/, '');
export const APP_OR_COMPANION_ID = { type: 'string', pattern: `^${ONE_ID}(?:/${ONE_ID})?$` } as const;

export const APP_PARAMS = {
  type: 'object',
  required: ['id'],
  properties: { id: APP_ID },
} as const;

/**
 * The one rule for query strings (docs/api.md): a route takes only the parameters it names,
 * each once; anything else is a 400. Routes that name none get this.
 */
export const NO_QUERY = { type: 'object', additionalProperties: false, properties: {} } as const;

/** `?app=ID`: only this app's events (and its companions'); `?app=ID/COMPANION`: only that companion's. */
export const APP_QUERY = {
  type: 'object',
  additionalProperties: false,
  properties: { app: APP_OR_COMPANION_ID },
} as const;

export const APP_OR_COMPANION_PARAMS = {
  type: 'object',
  required: ['id'],
  properties: { id: APP_OR_COMPANION_ID },
} as const;

export type AppParams = { id: string };
