import { request } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_ID_PATTERN } from '../../src/manifest/field-formats.js';
import { createApiDaemonWithWeb, type ApiDaemon } from '../api/api-daemon.js';
import { fuzz, fuzzSettings } from './fuzz-settings.js';

/**
 * Property-based fuzzing of the local API on the simulated engine: any method, path, query,
 * body and content type. Never a 5xx, never a hang; every refusal is podwarden's JSON error,
 * short and printable; and nothing is accepted (2xx) that the documented rules refuse (an app
 * id that does not match, a query parameter the route does not take, a body a command does not
 * take). The daemon's apps: `web` (installed) and `crashy`.
 */

let daemon: ApiDaemon;
beforeAll(async () => {
  daemon = await createApiDaemonWithWeb();
});
afterAll(async () => {
  await daemon.cleanup();
});

const COMMANDS = ['install', 'uninstall', 'start', 'stop', 'restart'];
// The routes and the query parameters each takes (docs/api.md).
const ROUTES: Array<{ pattern: RegExp; query: string[]; method: string; body: 'none' | 'command' | 'move' }> = [
  { pattern: /^\/v1\/status$/, query: [], method: 'GET', body: 'none' },
  { pattern: /^\/v1\/catalog$/, query: [], method: 'GET', body: 'none' },
  { pattern: /^\/v1\/plan$/, query: [], method: 'GET', body: 'none' },
  { pattern: /^\/healthz$/, query: [], method: 'GET', body: 'none' },
  { pattern: /^\/metrics$/, query: [], method: 'GET', body: 'none' },
  { pattern: /^\/v1\/transitions$/, query: ['app'], method: 'GET', body: 'none' },
  { pattern: /^\/v1\/events$/, query: ['app'], method: 'GET', body: 'none' },
  { pattern: /^\/v1\/apps\/([^/]*)$/, query: [], method: 'GET', body: 'none' },
  { pattern: /^\/v1\/apps\/([^/]*)\/explain$/, query: [], method: 'GET', body: 'none' },
  { pattern: /^\/v1\/apps\/([^/]*)\/logs$/, query: ['tail', 'follow'], method: 'GET', body: 'none' },
  { pattern: new RegExp(`^/v1/apps/([^/]*)/(?:${COMMANDS.join('|')})$`), query: [], method: 'POST', body: 'command' },
  { pattern: /^\/v1\/apps\/([^/]*)\/move$/, query: [], method: 'POST', body: 'move' },
];

const appId = fc.oneof(
  fc.constantFrom('web', 'crashy', 'nope', 'WEB', '..', '%2e%2e', '..%2Fetc', 'w%D0%B5b', 'web%00', '', 'a'.repeat(41)),
  fc.string({ maxLength: 12 }).map(encodeURIComponent),
);
const path = fc.oneof(
  fc.constantFrom(
    '/v1/status',
    '/v1/catalog',
    '/v1/plan',
    '/healthz',
    '/metrics',
    '/v1/transitions',
    '/v1/events',
    '/',
    '/v1',
    '/v1/apps',
  ),
  fc
    .tuple(
      appId,
      fc.constantFrom('', '/explain', '/logs', '/move', ...COMMANDS.map((command) => `/${command}`), '/nothing'),
    )
    .map(([id, rest]) => `/v1/apps/${id}${rest}`),
  fc.webPath(),
);
const query = fc.oneof(
  fc.constant({}),
  fc.dictionary(
    fc.oneof(fc.constantFrom('app', 'tail', 'follow', 'x'), fc.string({ maxLength: 6 })),
    fc.oneof(
      fc.constantFrom('web', 'crashy', '5', '-1', '1e400', 'true', 'maybe', '../etc'),
      fc.string({ maxLength: 8 }),
    ),
    { maxKeys: 3 },
  ),
);
const body = fc.option(
  fc.oneof(
    fc.constantFrom('{}', 'null', '[]', '{"file":"crashy.yml"}', '{"force":true}', '{"oops'),
    fc.json({ maxDepth: 3 }),
    fc.string({ maxLength: 40 }),
  ),
  { nil: undefined },
);
const contentType = fc.option(
  fc.constantFrom('application/json', 'text/plain', 'application/xml', 'application/json; charset=utf-8'),
  { nil: undefined },
);
const method = fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS');

interface Answer {
  status: number;
  contentType: string;
  body: string;
}

/** One request; an event stream (a valid /v1/events or logs?follow) is cut once its headers are in. */
function send(verb: string, target: string, payload: string | undefined, type: string | undefined): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        socketPath: daemon.socketPath,
        method: verb,
        path: target,
        headers: type ? { 'content-type': type } : {},
        timeout: 10_000,
      },
      (res) => {
        const answerType = String(res.headers['content-type'] ?? '');
        if (answerType.startsWith('text/event-stream')) {
          resolve({ status: res.statusCode ?? 0, contentType: answerType, body: '' });
          req.destroy();
          return;
        }
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: answerType, body: text }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer to ${verb} ${target} within 10 s`)));
    req.on('error', (error: NodeJS.ErrnoException) => {
      // The server may answer and close before a refused body is all written, or answer a
      // request HTTP forbids (a body on HEAD) in a way the client cannot read: no answer to check.
      if (error.code === 'EPIPE' || error.code === 'ECONNRESET' || error.code?.startsWith('HPE_'))
        resolve({ status: 0, contentType: '', body: '' });
      else reject(error);
    });
    req.end(payload);
  });
}

/** Whether the documented rules accept this request (the oracle a 2xx must agree with). */
function documentedAccepts(
  verb: string,
  rawPath: string,
  params: Record<string, string>,
  payload: string | undefined,
): boolean {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return false;
  }
  const route = ROUTES.find((candidate) => candidate.pattern.test(rawPath));
  if (!route || verb !== route.method) return false;
  const id = route.pattern.exec(rawPath)?.[1];
  if (id !== undefined && !APP_ID_PATTERN.test(decodeURIComponent(id))) return false;
  if (decoded.includes('\0')) return false;
  if (!Object.keys(params).every((key) => route.query.includes(key))) return false;
  if (params.app !== undefined && !APP_ID_PATTERN.test(params.app)) return false;
  if (route.body === 'move') return payload !== undefined && /^\{"file":"[^"]+"\}$/.test(payload);
  if (route.body === 'command')
    return payload === undefined || payload === '' || payload === '{}' || payload === 'null';
  return true;
}

describe('fuzzing the local API', () => {
  it(
    "no 5xx, no hang, refusals in podwarden's words, nothing accepted that the rules refuse",
    { timeout: 30 * 60_000 },
    async () => {
      const statuses = new Map<number, number>();
      await fuzz(
        'API',
        fc.asyncProperty(method, path, query, body, contentType, async (verb, rawPath, params, payload, type) => {
          const search = new URLSearchParams(params).toString();
          const target = `${rawPath}${search ? `?${search}` : ''}`;
          const answer = await send(verb, target, payload, payload === undefined ? undefined : type);
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
          if (answer.status === 0) {
            expect((await daemon.client.raw('GET', '/healthz')).status).toBe(200);
            return;
          }
          expect(answer.status, `${verb} ${target}: ${answer.body}`).toBeLessThan(500);
          if (answer.status >= 400 && verb !== 'HEAD') {
            const { error } = JSON.parse(answer.body) as { error: { code: string; message: string } };
            expect(typeof error.code).toBe('string');
            expect(error.message.length).toBeLessThan(400);
            expect(error.message).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e]/);
          }
          if (answer.status < 300) {
            expect(
              documentedAccepts(verb, rawPath, params, payload),
              `${verb} ${target} ${payload ?? ''} was accepted (${answer.status})`,
            ).toBe(true);
          }
        }),
        fuzzSettings(300),
      );
      console.log(
        `fuzz API: answers by status ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}`,
      );
      expect((await daemon.client.raw('GET', '/healthz')).status).toBe(200);
    },
  );
});
