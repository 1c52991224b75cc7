import { expect } from 'vitest';
import type { ApiClient } from '../../src/api/client.js';

/**
 * Bad requests to podwarden's local API, each with the answer docs/api.md promises: a status,
 * an error code, and a piece of the message that says what was wrong. Run against the API on
 * the simulator (test/corpus/api-corpus.test.ts) and against a live daemon on real podman
 * (test/podman/bad-input-daemon.test.ts). `web` stands for an installed app and `crashy` for
 * one of the catalog that is not installed; `apiCorpus` puts in the ids a world uses.
 */
export interface BadRequest {
  name: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  path: string;
  body?: string;
  contentType?: string;
  status: number;
  code: string;
  says?: string | RegExp;
}

const json = 'application/json';
const unknownQuery = (name: string, route: string) => `unknown query parameter "${name}" (${route} takes none)`;
const badId = /is not a valid app id \(lower-case letters, digits and "-"/;

const REQUESTS: BadRequest[] = [
  // One rule for query parameters, on every route.
  {
    name: 'status with an unknown parameter',
    method: 'GET',
    path: '/v1/status?foo=1',
    status: 400,
    code: 'bad-request',
    says: unknownQuery('foo', '/v1/status'),
  },
  {
    name: 'healthz with a parameter',
    method: 'GET',
    path: '/healthz?verbose',
    status: 400,
    code: 'bad-request',
    says: unknownQuery('verbose', '/healthz'),
  },
  {
    name: 'metrics with a parameter',
    method: 'GET',
    path: '/metrics?name=x',
    status: 400,
    code: 'bad-request',
    says: unknownQuery('name', '/metrics'),
  },
  {
    name: 'catalog with a parameter',
    method: 'GET',
    path: '/v1/catalog?all=true',
    status: 400,
    code: 'bad-request',
    says: unknownQuery('all', '/v1/catalog'),
  },
  {
    name: 'plan with a parameter',
    method: 'GET',
    path: '/v1/plan?dry=1',
    status: 400,
    code: 'bad-request',
    says: unknownQuery('dry', '/v1/plan'),
  },
  {
    name: 'app detail with a parameter',
    method: 'GET',
    path: '/v1/apps/web?x=1',
    status: 400,
    code: 'bad-request',
    says: unknownQuery('x', '/v1/apps/:id'),
  },
  {
    name: 'explain with a parameter',
    method: 'GET',
    path: '/v1/apps/web/explain?why=1',
    status: 400,
    code: 'bad-request',
    says: unknownQuery('why', '/v1/apps/:id/explain'),
  },
  {
    name: 'logs with an unknown parameter',
    method: 'GET',
    path: '/v1/apps/web/logs?lines=5',
    status: 400,
    code: 'bad-request',
    says: 'unknown query parameter "lines" (/v1/apps/:id/logs takes tail, follow)',
  },
  {
    name: 'events with an extra parameter',
    method: 'GET',
    path: '/v1/events?app=web&since=0',
    status: 400,
    code: 'bad-request',
    says: 'unknown query parameter "since" (/v1/events takes app)',
  },
  {
    name: 'a command with a parameter',
    method: 'POST',
    path: '/v1/apps/web/install?force=1',
    status: 400,
    code: 'bad-request',
    says: unknownQuery('force', '/v1/apps/:id/install'),
  },
  // App ids, wherever they appear.
  {
    name: 'events of a path, not an app',
    method: 'GET',
    path: '/v1/events?app=../etc',
    status: 400,
    code: 'bad-request',
    says: '"../etc" is not a valid app id',
  },
  {
    name: 'transitions of an encoded path',
    method: 'GET',
    path: '/v1/transitions?app=..%2Fetc',
    status: 400,
    code: 'bad-request',
    says: badId,
  },
  {
    name: 'transitions of an id in capitals',
    method: 'GET',
    path: '/v1/transitions?app=WEB',
    status: 400,
    code: 'bad-request',
    says: badId,
  },
  {
    name: 'transitions of an empty id',
    method: 'GET',
    path: '/v1/transitions?app=',
    status: 400,
    code: 'bad-request',
    says: '"" is not a valid app id',
  },
  {
    name: 'transitions of a look-alike id',
    method: 'GET',
    path: '/v1/transitions?app=w%D0%B5b',
    status: 400,
    code: 'bad-request',
    says: '"w\\u0435b" is not a valid app id',
  },
  {
    name: 'transitions of an id given twice',
    method: 'GET',
    path: '/v1/transitions?app=web&app=web',
    status: 400,
    code: 'bad-request',
    says: 'app is given 2 times; give it once',
  },
  {
    name: 'app detail of an encoded path',
    method: 'GET',
    path: '/v1/apps/..%2Fetc',
    status: 400,
    code: 'bad-request',
    says: '"../etc" is not a valid app id',
  },
  {
    name: 'app detail with a NUL',
    method: 'GET',
    path: '/v1/apps/web%00',
    status: 400,
    code: 'bad-request',
    says: '"web\\u0000" is not a valid app id',
  },
  {
    name: 'app detail with a right-to-left override',
    method: 'GET',
    path: '/v1/apps/w%E2%80%AEeb',
    status: 400,
    code: 'bad-request',
    says: '"w\\u202eeb" is not a valid app id',
  },
  {
    name: 'app detail of a 41-character id',
    method: 'GET',
    path: `/v1/apps/${'a'.repeat(41)}`,
    status: 400,
    code: 'bad-request',
    says: badId,
  },
  {
    name: 'install of a 5000-character id',
    method: 'POST',
    path: `/v1/apps/${'a'.repeat(5000)}/install`,
    status: 414,
    code: 'uri-too-long',
    says: 'a part of the path is longer than 100 characters',
  },
  {
    name: 'a broken %-escape',
    method: 'GET',
    path: '/v1/apps/%E0%A4%A/explain',
    status: 400,
    code: 'bad-request',
    says: 'the path is not a valid URL',
  },
  {
    name: 'app detail of an app not installed',
    method: 'GET',
    path: '/v1/apps/crashy',
    status: 404,
    code: 'not-found',
    says: 'app "crashy" is not installed',
  },
  {
    name: 'install of an app no file defines',
    method: 'POST',
    path: '/v1/apps/nope/install',
    status: 404,
    code: 'not-found',
    says: 'no manifest for "nope"',
  },
  {
    name: 'stop of an app not installed',
    method: 'POST',
    path: '/v1/apps/crashy/stop',
    status: 404,
    code: 'not-found',
    says: 'app "crashy" is not installed',
  },
  // Query values.
  {
    name: 'logs with a negative tail',
    method: 'GET',
    path: '/v1/apps/web/logs?tail=-1',
    status: 400,
    code: 'bad-request',
    says: 'query parameter tail: must be a whole number of lines from 0 to 100000, got "-1"',
  },
  {
    name: 'logs with a huge tail',
    method: 'GET',
    path: '/v1/apps/web/logs?tail=1e400',
    status: 400,
    code: 'bad-request',
    says: 'query parameter tail: must be a whole number of lines from 0 to 100000, got "1e400"',
  },
  {
    name: 'logs with a tail above the limit',
    method: 'GET',
    path: '/v1/apps/web/logs?tail=100001',
    status: 400,
    code: 'bad-request',
    says: 'query parameter tail',
  },
  {
    name: 'logs with a tail given twice',
    method: 'GET',
    path: '/v1/apps/web/logs?tail=5&tail=6',
    status: 400,
    code: 'bad-request',
    says: 'query parameter tail',
  },
  {
    name: 'logs that follow "maybe"',
    method: 'GET',
    path: '/v1/apps/web/logs?follow=maybe',
    status: 400,
    code: 'bad-request',
    says: 'query parameter follow: must be true or false, got "maybe"',
  },
  // Bodies.
  {
    name: 'malformed JSON',
    method: 'POST',
    path: '/v1/apps/web/install',
    body: '{"oops',
    contentType: json,
    status: 400,
    code: 'bad-request',
  },
  {
    name: 'an unknown field',
    method: 'POST',
    path: '/v1/apps/web/install',
    body: '{"force":true}',
    contentType: json,
    status: 400,
    code: 'bad-request',
    says: 'unknown field in the body "force" (/v1/apps/:id/install takes wait, timeoutSeconds)',
  },
  {
    name: 'a list for a body',
    method: 'POST',
    path: '/v1/apps/web/start',
    body: '[]',
    contentType: json,
    status: 400,
    code: 'bad-request',
    says: 'the body must be a JSON object, or nothing',
  },
  {
    name: 'a string for a body',
    method: 'POST',
    path: '/v1/apps/web/start',
    body: '"start"',
    contentType: json,
    status: 400,
    code: 'bad-request',
  },
  {
    name: 'false for a body',
    method: 'POST',
    path: '/v1/apps/web/stop',
    body: 'false',
    contentType: json,
    status: 400,
    code: 'bad-request',
    says: 'the body must be a JSON object, or nothing',
  },
  {
    name: 'a body above 16 KiB',
    method: 'POST',
    path: '/v1/apps/web/install',
    body: JSON.stringify({ padding: 'x'.repeat(64 * 1024) }),
    contentType: json,
    status: 413,
    code: 'body-too-large',
  },
  {
    name: 'a text body',
    method: 'POST',
    path: '/v1/apps/web/install',
    body: 'install please',
    contentType: 'text/plain',
    status: 400,
    code: 'bad-request',
    says: 'the body must be a JSON object, or nothing',
  },
  {
    name: 'a body of an unknown media type',
    method: 'POST',
    path: '/v1/apps/web/install',
    body: '<install/>',
    contentType: 'application/xml',
    status: 415,
    code: 'unsupported-media-type',
  },
  {
    name: 'a deeply nested body',
    method: 'POST',
    path: '/v1/apps/web/install',
    body: `${'['.repeat(5000)}${']'.repeat(5000)}`,
    contentType: json,
    status: 400,
    code: 'bad-request',
  },
  {
    name: 'a __proto__ body',
    method: 'POST',
    path: '/v1/apps/web/install',
    body: '{"__proto__":{"polluted":true}}',
    contentType: json,
    status: 400,
    code: 'bad-request',
  },
  {
    name: 'move without a file',
    method: 'POST',
    path: '/v1/apps/web/move',
    body: '{}',
    contentType: json,
    status: 400,
    code: 'bad-request',
    says: "body: must have required property 'file'",
  },
  {
    name: 'move to a file outside the catalog',
    method: 'POST',
    path: '/v1/apps/web/move',
    body: '{"file":"../../etc/passwd"}',
    contentType: json,
    status: 409,
    code: 'invalid',
    says: 'is not in the catalog',
  },
  {
    name: "move to another app's file",
    method: 'POST',
    path: '/v1/apps/web/move',
    body: '{"file":"crashy.yml"}',
    contentType: json,
    status: 409,
    code: 'invalid',
    says: 'holds no manifest of "web"',
  },
  {
    name: 'move of an app not installed',
    method: 'POST',
    path: '/v1/apps/crashy/move',
    body: '{"file":"crashy.yml"}',
    contentType: json,
    status: 404,
    code: 'not-found',
  },
  // Routes and methods that do not exist.
  { name: 'a route that does not exist', method: 'GET', path: '/v1/nothing-here', status: 404, code: 'not-found' },
  { name: 'a climbing path', method: 'GET', path: '/../../etc/passwd', status: 404, code: 'not-found' },
  { name: 'DELETE on status', method: 'DELETE', path: '/v1/status', status: 404, code: 'not-found' },
  { name: 'GET on a command', method: 'GET', path: '/v1/apps/web/install', status: 404, code: 'not-found' },
  { name: 'PUT on a command', method: 'PUT', path: '/v1/apps/web/start', status: 404, code: 'not-found' },
];

/** The corpus for a world where `installed` is installed and `other` is in the catalog but not installed. */
export function apiCorpus(installed: string, other: string): BadRequest[] {
  const swap = (text: string) => text.replace(/\bweb\b/g, installed).replace(/\bcrashy\b/g, other);
  return REQUESTS.map((request) => ({
    ...request,
    path: swap(request.path),
    ...(request.body !== undefined ? { body: swap(request.body) } : {}),
    ...(typeof request.says === 'string' ? { says: swap(request.says) } : {}),
  }));
}

/** Sends one corpus request and checks the answer docs/api.md promises; shared with the live-daemon test. */
export async function expectRefused(client: ApiClient, request: BadRequest): Promise<void> {
  const answer = await client.raw(request.method, request.path, {
    ...(request.body !== undefined ? { body: request.body } : {}),
    ...(request.contentType !== undefined ? { headers: { 'content-type': request.contentType } } : {}),
  });
  expect(answer.status, answer.body).toBe(request.status);
  const { error } = JSON.parse(answer.body) as { error: { code: string; message: string } };
  expect(error.code).toBe(request.code);
  if (typeof request.says === 'string') expect(error.message).toContain(request.says);
  else if (request.says) expect(error.message).toMatch(request.says);
  // Short, and printable: input is quoted, never echoed whole.
  expect(error.message.length).toBeLessThan(400);
  expect(error.message).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e]/);
}
