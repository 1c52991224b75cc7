import { afterEach, describe, expect, it } from 'vitest';
import { createApiDaemon, type ApiDaemon } from './api-daemon.js';

let daemon: ApiDaemon | undefined;
afterEach(async () => {
  await daemon?.cleanup();
  daemon = undefined;
});

describe('POST /v1/adopt', () => {
  it('answers with what it adopted; unknown apps are 404, bad bodies 400', async () => {
    daemon = await createApiDaemon();
    const w = daemon;
    expect(await w.client.post('/v1/adopt')).toEqual({ adopted: [] });
    const unknown = await w.client.raw('POST', '/v1/adopt', {
      body: JSON.stringify({ apps: ['nope'] }),
      headers: { 'content-type': 'application/json' },
    });
    expect(unknown.status).toBe(404);
    const bad = await w.client.raw('POST', '/v1/adopt', {
      body: JSON.stringify({ apps: ['Bad!'], extra: 1 }),
      headers: { 'content-type': 'application/json' },
    });
    expect(bad.status).toBe(400);
  });
});
