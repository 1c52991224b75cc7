import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInspector, type StatelyInspectionEvent } from '@statelyai/inspect';
import safeStableStringify from 'safe-stable-stringify';
import { WebSocket, WebSocketServer } from 'ws';
import type { ActorRefLike, InspectionEvent } from 'xstate';
import { bridgePage } from './bridge-page.js';
import { createDefaultInspectionFilter, type InspectionFilter } from './inspection-filter.js';
import { redactSecrets } from './redact.js';
import { DEFAULT_INSPECTOR_PORT } from './inspect-option.js';

export interface InspectorOptions {
  /** Default 5678; 0 picks a free port. */
  port?: number;
  /** Loopback only: the stream shows the daemon's whole state. Reach it from elsewhere through SSH. */
  host?: '127.0.0.1';
  /** Which xstate inspection events reach the inspector; default {@link createDefaultInspectionFilter}. */
  filter?: InspectionFilter;
}

export interface RunningInspector {
  /** Pass to `createActor(..., { inspect })` (or to `createOrchestrator({ inspect })`). */
  inspect: (event: InspectionEvent) => void;
  /** The page to open in a browser: the Stately inspector, fed by this process. */
  url: string;
  port: number;
  stop(): Promise<void>;
}

type Adapter = Parameters<typeof createInspector>[0];

const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Browsers let any page open a WebSocket to localhost, so only same-origin pages (the bridge
 * page) and non-browser clients (no Origin header) may connect; a Host that is not a loopback
 * name means DNS rebinding.
 */
function allowed(request: IncomingMessage): boolean {
  const host = request.headers.host ?? '';
  const hostname = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0]!;
  if (!LOOPBACK_NAMES.has(hostname)) return false;
  const origin = request.headers.origin;
  return origin === undefined || origin === `http://${host}`;
}

const stringify = safeStableStringify.configure({ maximumDepth: 10 });

/**
 * The event as it goes on the wire: plain JSON with secrets redacted everywhere (contexts,
 * events, the input a promise actor keeps in its snapshot, a literal context in a machine
 * definition), not only where the library's sanitizers look.
 */
function toWire(event: StatelyInspectionEvent): StatelyInspectionEvent | undefined {
  const text = stringify(event);
  if (text === undefined) return undefined;
  const plain = redactSecrets(JSON.parse(text) as StatelyInspectionEvent);
  if (plain.type === '@xstate.actor' && typeof plain.definition === 'string') {
    try {
      plain.definition = stringify(redactSecrets(JSON.parse(plain.definition) as unknown));
    } catch {
      plain.definition = undefined;
    }
  }
  return plain;
}

interface Registered {
  message: StatelyInspectionEvent;
  snapshot: unknown;
}

/**
 * Sends inspection events to every connected browser and remembers, per live actor, its
 * registration and latest snapshot: a browser that connects late (the daemon has run for days)
 * still sees every actor in its current state instead of a tail of old events.
 */
class RelayAdapter implements Adapter {
  private readonly registered = new Map<string, Registered>();
  private closed = false;

  constructor(
    private readonly clients: Set<WebSocket>,
    private readonly isLive: (sessionId: string) => boolean,
  ) {}

  send(inspectionEvent: StatelyInspectionEvent): void {
    if (this.closed) return;
    const event = toWire(inspectionEvent);
    if (!event) return;
    if (event.type === '@xstate.actor') {
      this.prune();
      this.registered.set(event.sessionId, { message: event, snapshot: event.snapshot });
    } else if (event.type === '@xstate.snapshot') {
      const entry = this.registered.get(event.sessionId);
      const status = (event.snapshot as { status?: unknown } | undefined)?.status;
      if (entry && status !== undefined && status !== 'active') this.registered.delete(event.sessionId);
      else if (entry) entry.snapshot = event.snapshot;
    }
    const text = JSON.stringify(event);
    for (const client of this.clients) {
      if (client.readyState === WebSocket.OPEN) client.send(text);
    }
  }

  replayTo(client: WebSocket): void {
    this.prune();
    for (const { message, snapshot } of this.registered.values()) {
      client.send(JSON.stringify({ ...message, snapshot }));
    }
  }

  stop(): void {
    this.closed = true;
    this.registered.clear();
  }

  /** Actors stopped by their parent report nothing: ask whether they still run. */
  private prune(): void {
    for (const sessionId of [...this.registered.keys()]) {
      if (!this.isLive(sessionId)) this.registered.delete(sessionId);
    }
  }
}

/**
 * Serves the Stately inspector for this process on http://127.0.0.1:PORT/ (a page embedding
 * https://stately.ai/inspect, fed over a WebSocket on the same port). Context and events are
 * sent with env values and credential-looking fields replaced by `[redacted]`.
 */
export async function startInspector(options: InspectorOptions = {}): Promise<RunningInspector> {
  const host = options.host ?? '127.0.0.1';
  const requestedPort = options.port ?? DEFAULT_INSPECTOR_PORT;
  const filter = options.filter ?? createDefaultInspectionFilter();
  const clients = new Set<WebSocket>();
  const actors = new Map<string, ActorRefLike>();
  const isLive = (sessionId: string): boolean => {
    const actor = actors.get(sessionId);
    const live = actor !== undefined && actor.getSnapshot().status === 'active';
    if (!live) actors.delete(sessionId);
    return live;
  };
  const adapter = new RelayAdapter(clients, isLive);
  const inspector = createInspector(adapter);

  const page = bridgePage();
  const server = createServer((request, response) => {
    if (!allowed(request)) {
      response.writeHead(403, { 'content-type': 'text/plain' }).end('forbidden: open this page through localhost\n');
      return;
    }
    if (request.method !== 'GET' || (request.url !== '/' && request.url !== '/index.html')) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(page);
  });
  await new Promise<void>((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException) => {
      const why = error.code === 'EADDRINUSE' ? 'the port is in use' : error.message;
      reject(new Error(`cannot start the Stately inspector on ${host}:${requestedPort}: ${why}`));
    };
    server.once('error', failed);
    server.listen(requestedPort, host, () => {
      server.off('error', failed);
      resolve();
    });
  });
  const sockets = new WebSocketServer({ server, verifyClient: ({ req }: { req: IncomingMessage }) => allowed(req) });
  // Errors of the listening server (none expected once it listens) must not take down the
  // daemon it inspects: the inspector is a window, not a part of supervision.
  sockets.on('error', () => undefined);
  sockets.on('connection', (client) => {
    clients.add(client);
    client.on('close', () => clients.delete(client));
    // Browsers only listen; whatever they send is ignored rather than relayed.
    client.on('error', () => clients.delete(client));
    adapter.replayTo(client);
  });
  const port = (server.address() as AddressInfo).port;

  let stopped: Promise<void> | undefined;
  return {
    inspect(event) {
      if (event.type === '@xstate.actor') actors.set(event.actorRef.sessionId, event.actorRef);
      else if (event.type === '@xstate.snapshot' && event.snapshot.status !== 'active') {
        actors.delete(event.actorRef.sessionId);
      }
      if (!filter(event)) return;
      inspector.inspect.next?.(event);
    },
    url: `http://${host}:${port}/`,
    port,
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        inspector.stop();
        adapter.stop();
        actors.clear();
        for (const client of clients) client.terminate();
        sockets.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}
