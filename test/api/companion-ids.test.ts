import { afterEach, describe, expect, it } from 'vitest';
import type { AppStatus } from '../../src/orchestrator.js';
import type { Transition } from '../../src/streams/transitions.js';
import { until } from '../support/until.js';
import { createApiDaemon, type ApiDaemon } from './api-daemon.js';

let daemon: ApiDaemon | undefined;
afterEach(async () => {
  await daemon?.cleanup();
  daemon = undefined;
});

describe('a companion is read by its own id, bitcoind/ui (simulated engine, real server)', () => {
  it('status, explain and transitions take node/ui; ?app=node keeps the app and its companions', async () => {
    daemon = await createApiDaemon({ withCompanion: true });
    const { client } = daemon;
    await client.post('/v1/apps/node/install');
    const companion = await until('node/ui running', async () => {
      const row = await client.get<AppStatus>('/v1/apps/node%2Fui').catch(() => undefined);
      return row?.state === 'running' ? row : undefined;
    });
    expect(companion).toMatchObject({ appId: 'node', companion: 'ui', state: 'running' });
    expect(await client.get<AppStatus>('/v1/apps/node')).toMatchObject({ appId: 'node', state: 'running' });
    expect((await client.get<AppStatus>('/v1/apps/node')).companion).toBeUndefined();

    const explained = await client.get<{ text: string; history: string[] }>('/v1/apps/node%2Fui/explain');
    expect(explained.text).toMatch(/^node\/ui /);
    expect(explained.history.some((line) => /^Started the container at/.test(line))).toBe(true);

    const only = await client.get<{ transitions: Transition[] }>('/v1/transitions?app=node%2Fui');
    expect(only.transitions.length).toBeGreaterThan(0);
    expect(only.transitions.every((t) => t.appId === 'node' && t.companion === 'ui')).toBe(true);
    const both = await client.get<{ transitions: Transition[] }>('/v1/transitions?app=node');
    expect(new Set(both.transitions.map((t) => t.companion ?? '-'))).toEqual(new Set(['-', 'ui']));

    const unknown = await client.raw('GET', '/v1/apps/node%2Fnope/explain');
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body).error.message).toBe(
      'no companion "node/nope" runs: its app is not installed, or has no such companion',
    );
    expect((await client.raw('GET', '/v1/apps/node%2Fui%2Fx')).status).toBe(400);
  });

  it('start, stop and restart take node/ui and act on the companion alone; install and uninstall do not', async () => {
    daemon = await createApiDaemon({ withCompanion: true });
    const { client } = daemon;
    await client.post('/v1/apps/node/install');
    await until('node/ui running', async () => {
      const row = await client.get<AppStatus>('/v1/apps/node%2Fui').catch(() => undefined);
      return row?.state === 'running' ? row : undefined;
    });
    const stopped = await client.post<{ status: AppStatus }>('/v1/apps/node%2Fui/stop', { wait: true });
    expect(stopped.status).toMatchObject({ appId: 'node', companion: 'ui', state: 'stopped', desired: 'stopped' });
    expect(await client.get<AppStatus>('/v1/apps/node')).toMatchObject({ state: 'running', desired: 'running' });
    const started = await client.post<{ status: AppStatus }>('/v1/apps/node%2Fui/start', { wait: true });
    expect(started.status).toMatchObject({ companion: 'ui', state: 'running' });
    const restarted = await client.post<{ status: AppStatus }>('/v1/apps/node%2Fui/restart', { wait: true });
    expect(restarted.status).toMatchObject({ companion: 'ui', state: 'running' });

    const missing = await client.raw('POST', '/v1/apps/node%2Fnope/stop');
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body).error.message).toBe('app "node" has no companion "nope"');
    expect((await client.raw('POST', '/v1/apps/node%2Fui/uninstall')).status).toBe(400);
    expect((await client.raw('POST', '/v1/apps/node%2Fui/install')).status).toBe(400);
  });
});
