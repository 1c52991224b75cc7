import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppStatus } from '../../src/orchestrator.js';
import { createApiWorldWithWeb, type ApiWorld } from '../api/api-world.js';
import { apiCorpus, expectRefused } from './api-corpus.js';

const API_CORPUS = apiCorpus('web', 'crashy');

let world: ApiWorld;
beforeAll(async () => {
  world = await createApiWorldWithWeb();
});
afterAll(async () => {
  await world.cleanup();
});

describe('the API corpus (simulated engine)', () => {
  it('has at least 30 requests', () => {
    expect(API_CORPUS.length).toBeGreaterThanOrEqual(30);
  });

  it.each(API_CORPUS.map((request) => [request.name, request] as const))('%s', async (_name, request) => {
    await expectRefused(world.client, request);
  });

  it('HEAD of the event stream is a 404, not a subscription held open', async () => {
    expect((await world.client.raw('HEAD', '/v1/events')).status).toBe(404);
  });

  it('still serves, and web still runs, after all of them', async () => {
    const row = await world.client.get<AppStatus>('/v1/apps/web');
    expect(row.state).toBe('running');
  });
});
