import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppStatus } from '../../src/orchestrator.js';
import { createApiDaemonWithWeb, type ApiDaemon } from '../api/api-daemon.js';
import { apiCorpus, expectRefused } from './api-corpus.js';

const API_CORPUS = apiCorpus('web', 'crashy');

let daemon: ApiDaemon;
beforeAll(async () => {
  daemon = await createApiDaemonWithWeb();
});
afterAll(async () => {
  await daemon.cleanup();
});

describe('the API corpus (simulated engine)', () => {
  it('has at least 30 requests', () => {
    expect(API_CORPUS.length).toBeGreaterThanOrEqual(30);
  });

  it.each(API_CORPUS.map((request) => [request.name, request] as const))('%s', async (_name, request) => {
    await expectRefused(daemon.client, request);
  });

  it('HEAD of the event stream is a 404, not a subscription held open', async () => {
    expect((await daemon.client.raw('HEAD', '/v1/events')).status).toBe(404);
  });

  it('still serves, and web still runs, after all of them', async () => {
    const row = await daemon.client.get<AppStatus>('/v1/apps/web');
    expect(row.state).toBe('running');
  });
});
