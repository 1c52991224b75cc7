import { request, type IncomingHttpHeaders } from 'node:http';
import { createParser } from 'eventsource-parser';

/** Where the API listens: the unix socket, or loopback TCP with a token. */
export type ApiTarget = { socketPath: string } | { host: string; port: number; token: string };

/** The daemon could not be reached at all (not running, wrong socket): CLI exit code 3. */
export class DaemonUnreachableError extends Error {
  constructor(target: ApiTarget, cause: unknown) {
    const where = 'socketPath' in target ? target.socketPath : `${target.host}:${target.port}`;
    super(
      `cannot reach the podwarden daemon at ${where}: ${cause instanceof Error ? cause.message : String(cause)} (is \`podwarden run\` running? --socket / PODWARDEN_API_SOCKET)`,
    );
    this.name = 'DaemonUnreachableError';
  }
}

/** The daemon answered with an error (4xx/5xx and its JSON body). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface SseSubscription {
  /** Resolves once the daemon confirmed the subscription (its `hello` event). */
  ready: Promise<void>;
  /** Resolves when the stream ends (the daemon's `end`, or close()). */
  done: Promise<void>;
  close(): void;
}

export interface ApiClient {
  get<T>(path: string): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<T>;
  /** Any request, answered as it came (tests use it for bad input). */
  raw(
    method: string,
    path: string,
    options?: { body?: string | Buffer; headers?: Record<string, string> },
  ): Promise<RawResponse>;
  /** A Server-Sent Events stream; `onEvent` gets each event's name and parsed data. */
  stream(path: string, onEvent: (event: string, data: unknown) => void): SseSubscription;
}

/** The CLI's (and an embedder's) client: node:http over the unix socket, SSE via eventsource-parser. */
export function createApiClient(target: ApiTarget): ApiClient {
  function options(method: string, path: string, headers: Record<string, string>) {
    const auth = 'token' in target ? { authorization: `Bearer ${target.token}` } : {};
    const where = 'socketPath' in target ? { socketPath: target.socketPath } : { host: target.host, port: target.port };
    return { ...where, method, path, headers: { ...auth, ...headers } };
  }

  function raw(
    method: string,
    path: string,
    extra: { body?: string | Buffer; headers?: Record<string, string> } = {},
  ): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
      const req = request(options(method, path, extra.headers ?? {}), (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      });
      req.on('error', (error) => reject(new DaemonUnreachableError(target, error)));
      if (extra.body !== undefined) req.write(extra.body);
      req.end();
    });
  }

  async function json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await raw(
      method,
      path,
      body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } },
    );
    let parsed: unknown;
    try {
      parsed = response.body === '' ? undefined : JSON.parse(response.body);
    } catch {
      throw new ApiError(
        response.status,
        'bad-response',
        `the daemon answered ${response.status} with something that is not JSON`,
      );
    }
    if (response.status >= 400) {
      const error = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new ApiError(response.status, error?.code ?? 'error', error?.message ?? `HTTP ${response.status}`);
    }
    return parsed as T;
  }

  return {
    get: (path) => json('GET', path),
    post: (path, body) => json('POST', path, body),
    raw,
    stream(path, onEvent) {
      let markReady!: () => void;
      let fail!: (error: unknown) => void;
      let finish!: () => void;
      const ready = new Promise<void>((resolve, reject) => {
        markReady = resolve;
        fail = reject;
      });
      const done = new Promise<void>((resolve) => (finish = resolve));
      const parser = createParser({
        onEvent(message) {
          let data: unknown;
          try {
            data = JSON.parse(message.data);
          } catch {
            data = message.data;
          }
          const name = message.event ?? 'message';
          if (name === 'hello') markReady();
          else onEvent(name, data);
          if (name === 'end') finish();
        },
      });
      const req = request(options('GET', path, { accept: 'text/event-stream' }), (res) => {
        if ((res.statusCode ?? 0) >= 400) {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => {
            let error: { code?: string; message?: string } | undefined;
            try {
              error = (JSON.parse(body) as { error?: { code?: string; message?: string } }).error;
            } catch {
              error = undefined;
            }
            fail(new ApiError(res.statusCode ?? 0, error?.code ?? 'error', error?.message ?? `HTTP ${res.statusCode}`));
            finish();
          });
          return;
        }
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => parser.feed(chunk));
        res.on('end', finish);
        res.on('close', finish);
      });
      req.on('error', (error) => {
        fail(new DaemonUnreachableError(target, error));
        finish();
      });
      req.end();
      // A stream closed before it was ready rejects `ready`; callers may not wait on it.
      ready.catch(() => undefined);
      return {
        ready,
        done,
        close() {
          req.destroy();
          finish();
        },
      };
    },
  };
}
