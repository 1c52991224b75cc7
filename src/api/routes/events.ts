import type { FastifyInstance } from 'fastify';
import { filter, map, merge } from 'rxjs';
import { streamSse, type SseMessage } from '../sse.js';
import type { Transition } from '../../streams/transitions.js';
import { isCompanionKey, ownerOfKey } from '../../../machines/binding.js';
import { rowKey } from '../../status-rows.js';
import { APP_QUERY, type RouteContext } from './context.js';

const RECENT_TRANSITIONS = 200;

/**
 * GET /v1/transitions[?app=ID]: the last 200 transitions.
 * GET /v1/events[?app=ID]: Server-Sent Events, `transition` (every app state change) and
 * `progress` (pull/build progress lines), as they happen.
 */
/** `?app=bitcoind` is the app and its companions; `?app=bitcoind/ui` that companion alone. */
function concerns(only: string | undefined, key: string): boolean {
  return only === undefined || key === only || (!isCompanionKey(only) && ownerOfKey(key) === only);
}

export function eventRoutes(app: FastifyInstance, { orchestrator, clock }: RouteContext): void {
  // The last transitions, for `podwarden events` without -f (and to start a -f with context).
  const recent: Transition[] = [];
  const keep = orchestrator.transitions$.subscribe((transition) => {
    recent.push(transition);
    if (recent.length > RECENT_TRANSITIONS) recent.shift();
  });
  app.addHook('onClose', async () => keep.unsubscribe());

  app.get<{ Querystring: { app?: string } }>(
    '/v1/transitions',
    { schema: { querystring: APP_QUERY } },
    async (request) => ({
      transitions: recent.filter((transition) => concerns(request.query.app, rowKey(transition))),
    }),
  );

  app.get<{ Querystring: { app?: string } }>('/v1/events', { schema: { querystring: APP_QUERY } }, (request, reply) => {
    const only = request.query.app;
    const messages = merge(
      orchestrator.transitions$.pipe(map((data): SseMessage => ({ event: 'transition', data }))),
      orchestrator.progress$.pipe(map((data): SseMessage => ({ event: 'progress', data }))),
    ).pipe(filter((message) => concerns(only, rowKey(message.data as { appId: string; companion?: string }))));
    streamSse(request, reply, messages, clock);
  });
}
