import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import { systemClock, type Clock } from '../domain/clock.js';
import { createLogger, type Logger } from '../log.js';
import { plainMessage } from '../manifest/excerpt.js';
import { createMetrics, type PodwardenMetrics } from '../metrics/metrics.js';
import type { Orchestrator } from '../orchestrator.js';
import { bearerMatches } from './auth.js';
import { foreignBrowserRequest } from './browser-guard.js';
import { answerClientError } from './client-errors.js';
import { errorBody, handleApiError } from './errors.js';
import { adoptRoutes } from './routes/adopt.js';
import { commandRoutes } from './routes/commands.js';
import { NO_QUERY, type RouteContext } from './routes/context.js';
import { eventRoutes } from './routes/events.js';
import { explainRoutes } from './routes/explain.js';
import { logRoutes } from './routes/logs.js';
import { metricsRoutes } from './routes/metrics.js';
import { statusRoutes } from './routes/status.js';
import { isPublicUiRequest, uiRoutes } from './routes/ui.js';
import { clearStaleSocket, restrictSocket } from './unix-socket.js';

export interface ApiServerOptions {
  /** The unix socket the CLI and embedders talk to. Default `<stateDir>/podwarden.sock`. */
  socketPath: string;
  /** File mode of the socket; default 0600 (owner only). */
  socketMode?: number;
  /** Optional loopback TCP listener; every request must carry `Authorization: Bearer <token>`. */
  tcp?: { port: number; host?: string; token: string };
  /**
   * Serve the live page at /ui/ on every listener (`podwarden run --ui`); browsers must then
   * reach the API by a loopback name (browser-guard.ts).
   */
  ui?: boolean;
  /** Largest request body accepted (bytes); larger ones get 413. Default 16 KiB. */
  bodyLimit?: number;
  /**
   * Where the API's own failures go (requests are not logged); its child logs at warn. Default:
   * podwarden's logger (JSON on stderr, pretty on a terminal), as `createOrchestrator`'s.
   */
  logger?: Logger;
  /** Share a registry with the embedder; by default one is built from the orchestrator. */
  metrics?: PodwardenMetrics;
  /** Default the system clock. */
  clock?: Clock;
}

export interface ApiServer {
  listen(): Promise<{ socketPath: string; tcpPort?: number }>;
  close(): Promise<void>;
  readonly metrics: PodwardenMetrics;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
const DEFAULT_BODY_LIMIT = 16 * 1024;

/**
 * The local HTTP API over a unix socket (and, when asked, loopback TCP with a bearer token).
 * One fastify instance per listener, the same routes on both.
 */
export function createApiServer(orchestrator: Orchestrator, options: ApiServerOptions): ApiServer {
  if (options.tcp) {
    const host = options.tcp.host ?? '127.0.0.1';
    if (!LOOPBACK.has(host))
      throw new Error(`the API's TCP listener must be on loopback (127.0.0.1 or ::1), not ${host}`);
    if (options.tcp.token.length < 16) throw new Error('the API token must be at least 16 characters');
  }
  const metrics = options.metrics ?? createMetrics(orchestrator);
  const logger = options.logger ?? createLogger();
  const context: RouteContext = { orchestrator, metrics, clock: options.clock ?? systemClock };

  function build(token: string | undefined): FastifyInstance {
    const app = Fastify({
      // Requests themselves are not logged (the CLI polls); failures are.
      loggerInstance: logger.child({ component: 'api' }, { level: 'warn' }) as FastifyBaseLogger,
      bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
      // Unknown fields are errors, as in manifests: never silently dropped. Nor is anything
      // coerced: a body of `false` is no command body (coercion read it as null), a `tail` of
      // "1e400" no number of lines.
      ajv: { customOptions: { removeAdditional: false, coerceTypes: false } },
      return503OnClosing: true,
      // No HEAD twins of the GET routes: docs/api.md has none, and a HEAD of an event stream
      // would hold its subscription open for good.
      exposeHeadRoutes: false,
      clientErrorHandler: answerClientError,
      // What the router refuses before any route sees the request, in podwarden's words too.
      frameworkErrors: (error, _request, reply) => {
        const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
        // The reply's generic types know no route here; a plain reply is what this needs.
        const plain = reply as unknown as FastifyReply;
        void plain
          .code(tooLong ? 414 : 400)
          .send(
            tooLong
              ? errorBody('uri-too-long', 'a part of the path is longer than 100 characters (an app id has at most 40)')
              : errorBody('bad-request', 'the path is not a valid URL (a broken %-escape?)'),
          );
      },
    });
    app.setErrorHandler(handleApiError);
    // One rule for query parameters on every route: those a route names, nothing else.
    app.addHook('onRoute', (route) => {
      route.schema = { ...route.schema, querystring: route.schema?.querystring ?? NO_QUERY };
    });
    app.setNotFoundHandler((request, reply) => {
      void reply.code(404).send(errorBody('not-found', `no route ${request.method} ${plainMessage(request.url, 120)}`));
    });
    if (options.ui) {
      app.addHook('onRequest', async (request, reply) => {
        const refused = foreignBrowserRequest(request.headers);
        if (refused !== undefined) return reply.code(403).send(errorBody('forbidden', refused));
        return undefined;
      });
    }
    if (token !== undefined) {
      app.addHook('onRequest', async (request, reply) => {
        if (isPublicUiRequest(request)) return undefined;
        if (!bearerMatches(request.headers.authorization, token)) {
          return reply
            .code(401)
            .header('www-authenticate', 'Bearer')
            .send(errorBody('unauthorized', 'missing or wrong bearer token'));
        }
        return undefined;
      });
    }
    statusRoutes(app, context);
    commandRoutes(app, context);
    adoptRoutes(app, context);
    eventRoutes(app, context);
    explainRoutes(app, context);
    logRoutes(app, context);
    metricsRoutes(app, context);
    if (options.ui) uiRoutes(app);
    return app;
  }

  const unixApp = build(undefined);
  const tcpApp = options.tcp ? build(options.tcp.token) : undefined;

  return {
    metrics,
    async listen() {
      await mkdir(dirname(options.socketPath), { recursive: true, mode: 0o700 });
      await clearStaleSocket(options.socketPath);
      await unixApp.listen({ path: options.socketPath });
      await restrictSocket(options.socketPath, options.socketMode ?? 0o600);
      if (!tcpApp || !options.tcp) return { socketPath: options.socketPath };
      await tcpApp.listen({ port: options.tcp.port, host: options.tcp.host ?? '127.0.0.1' });
      const address = tcpApp.server.address();
      return {
        socketPath: options.socketPath,
        tcpPort: typeof address === 'object' && address ? address.port : options.tcp.port,
      };
    },
    async close() {
      // SSE streams are hijacked: end them, or close() waits for clients that never leave.
      await Promise.all(
        [unixApp, tcpApp]
          .filter((app) => app !== undefined)
          .map((app) => {
            app.server.closeAllConnections();
            return app.close();
          }),
      );
      if (!options.metrics) metrics.close();
    },
  };
}
