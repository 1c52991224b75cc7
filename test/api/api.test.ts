import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterEach, describe, expect, it } from 'vitest';
import { createApiClient } from '../../src/api/client.js';
import type { AppStatus } from '../../src/orchestrator.js';
import type { Transition } from '../../src/streams/transitions.js';
import { until } from '../support/until.js';
import { createApiDaemon, type ApiDaemon } from './api-daemon.js';

let daemon: ApiDaemon | undefined;
afterEach(async () => {
  await daemon?.cleanup();
  daemon = undefined;
});

async function installed(w: ApiDaemon, appId: string): Promise<AppStatus> {
  await w.client.post(`/v1/apps/${appId}/install`);
  return until(`${appId} running`, async () => {
    const row = await w.client.get<AppStatus>(`/v1/apps/${appId}`).catch(() => undefined);
    return row?.state === 'running' ? row : undefined;
  });
}

function errorOf(body: string): { code: string; message: string } {
  return (JSON.parse(body) as { error: { code: string; message: string } }).error;
}

describe('the local API (simulated engine, real server on a unix socket)', () => {
  it('status, app detail, install/stop/start/restart/uninstall, explain, plan, catalog', async () => {
    daemon = await createApiDaemon();
    const w = daemon;
    const row = await installed(w, 'web');
    expect(row).toMatchObject({ appId: 'web', state: 'running', desired: 'running', restarts: 0 });
    expect(typeof row.since).toBe('number');

    const status = await w.client.get<{ apps: AppStatus[] }>('/v1/status');
    expect(status.apps.map((app) => app.appId)).toEqual(['web']);

    await w.client.post('/v1/apps/web/stop');
    await until('web stopped', async () => (await w.client.get<AppStatus>('/v1/apps/web')).state === 'stopped');
    await w.client.post('/v1/apps/web/start');
    await until('web running again', async () => (await w.client.get<AppStatus>('/v1/apps/web')).state === 'running');
    await w.client.post('/v1/apps/web/restart');
    await until('web restarted', async () => (await w.client.get<AppStatus>('/v1/apps/web')).state === 'running');
    // Waited for: the answer comes once the app runs again, with its row.
    const waited = await w.client.post<{ reached: boolean; status: AppStatus }>('/v1/apps/web/restart', {
      wait: true,
      timeoutSeconds: 60,
    });
    expect(waited).toMatchObject({ reached: true, status: { appId: 'web', state: 'running' } });

    const explained = await w.client.get<{ text: string; history: string[] }>('/v1/apps/web/explain');
    expect(explained.text).toMatch(/^web has been running since \d\d:\d\d:\d\d UTC/);
    expect(explained.history.some((line) => /the owner restarted it/.test(line))).toBe(true);
    expect(explained.history.some((line) => /^Started the container at/.test(line))).toBe(true);

    w.engine.control.removeBehindBack('podwarden-web');
    const { plan } = await w.client.get<{ plan: Array<{ appId: string; action: string; why: string }> }>('/v1/plan');
    // The remove event may already have reached the machine; the plan is what a pass would do now.
    expect(plan.find((entry) => entry.appId === 'web')).toMatchObject({ action: 'create', why: 'no container' });

    const catalog = await w.client.get<{ apps: Array<{ appId: string; installed: boolean }>; errors: unknown[] }>(
      '/v1/catalog',
    );
    expect(catalog.apps).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ appId: 'web', installed: true }),
        expect.objectContaining({ appId: 'crashy', installed: false }),
      ]),
    );

    await w.client.post('/v1/apps/web/uninstall');
    await until('web gone', async () => (await w.client.get<{ apps: AppStatus[] }>('/v1/status')).apps.length === 0);
  });

  it('streams transitions as Server-Sent Events', async () => {
    daemon = await createApiDaemon();
    const w = daemon;
    const seen: Transition[] = [];
    const stream = w.client.stream('/v1/events?app=web', (event, data) => {
      if (event === 'transition') seen.push(data as Transition);
    });
    await stream.ready;
    await w.client.post('/v1/apps/web/install');
    await until('a running transition over SSE', () => seen.some((t) => t.to === 'running'));
    expect(seen.every((t) => t.appId === 'web')).toBe(true);
    stream.close();
  });

  it('streams container output, and 404s logs of an unknown app', async () => {
    daemon = await createApiDaemon();
    const w = daemon;
    await installed(w, 'web');
    w.engine.control.writeOutput('podwarden-web', 'httpd: serving on :8080');
    w.engine.control.writeOutput('podwarden-web', 'oops', 'stderr');
    const lines: unknown[] = [];
    const stream = w.client.stream('/v1/apps/web/logs?tail=10', (event, data) => {
      if (event === 'line') lines.push(data);
    });
    await stream.done;
    expect(lines).toEqual([
      { stream: 'stdout', text: 'httpd: serving on :8080' },
      { stream: 'stderr', text: 'oops' },
    ]);
    const missing = await w.client.raw('GET', '/v1/apps/nope/logs');
    expect(missing.status).toBe(404);
  });

  it('answers bad requests with 4xx JSON errors and keeps serving', async () => {
    daemon = await createApiDaemon();
    const w = daemon;
    const unknown = await w.client.raw('POST', '/v1/apps/nope/install');
    expect(unknown.status).toBe(404);
    expect(errorOf(unknown.body).message).toMatch(/nope/);
    expect((await w.client.raw('GET', '/v1/apps/nope')).status).toBe(404);
    expect((await w.client.raw('GET', '/v1/apps/nope/explain')).status).toBe(404);
    expect((await w.client.raw('POST', '/v1/apps/nope/stop')).status).toBe(404);

    const malformed = await w.client.raw('POST', '/v1/apps/web/install', {
      body: '{"oops',
      headers: { 'content-type': 'application/json' },
    });
    expect(malformed.status).toBe(400);
    expect(errorOf(malformed.body).code).toBe('bad-request');

    const unknownField = await w.client.raw('POST', '/v1/apps/web/install', {
      body: '{"force":true}',
      headers: { 'content-type': 'application/json' },
    });
    expect(unknownField.status).toBe(400);

    const badId = await w.client.raw('GET', '/v1/apps/..%2Fetc');
    expect(badId.status).toBe(400);

    const huge = await w.client.raw('POST', '/v1/apps/web/install', {
      body: JSON.stringify({ padding: 'x'.repeat(64 * 1024) }),
      headers: { 'content-type': 'application/json' },
    });
    expect(huge.status).toBe(413);
    expect(errorOf(huge.body).code).toBe('body-too-large');

    expect((await w.client.raw('GET', '/v1/nothing-here')).status).toBe(404);
    expect((await w.client.raw('GET', '/v1/apps/web/logs?tail=-1')).status).toBe(400);
    // Still serving after all that.
    expect((await w.client.raw('GET', '/v1/status')).status).toBe(200);
  });

  it('TCP on loopback needs the bearer token: missing or wrong → 401', async () => {
    daemon = await createApiDaemon({ tcpToken: 'a-long-enough-test-token' });
    const tcp = daemon.tcp!;
    const noToken = createApiClient({ host: '127.0.0.1', port: tcp.port, token: '' });
    const missing = await noToken.raw('GET', '/v1/status', { headers: { authorization: '' } });
    expect(missing.status).toBe(401);
    expect(errorOf(missing.body).code).toBe('unauthorized');
    const wrong = createApiClient({ host: '127.0.0.1', port: tcp.port, token: 'a-long-enough-wrong-token' });
    expect((await wrong.raw('GET', '/metrics')).status).toBe(401);
    const right = createApiClient({ host: '127.0.0.1', port: tcp.port, token: tcp.token });
    expect((await right.raw('GET', '/v1/status')).status).toBe(200);
  });

  it('/healthz is 503 with the reason while the embedder holds the recovery gate', async () => {
    daemon = await createApiDaemon({ holdGate: true });
    const w = daemon;
    await until('the gate held', async () => {
      const answer = await w.client.raw('GET', '/healthz');
      return answer.body.includes('held by the embedding daemon') ? answer : undefined;
    });
    const held = await w.client.raw('GET', '/healthz');
    expect(held.status).toBe(503);
    expect(JSON.parse(held.body)).toMatchObject({
      ok: false,
      gate: 'closed',
      reason: 'recovery gate closed: held by the embedding daemon',
    });
    w.orchestrator.releaseGate();
    await until('the gate open', async () => (await w.client.raw('GET', '/healthz')).status === 200);
  });

  it('/healthz is 200 when supervising; /metrics parses and has the families', async () => {
    daemon = await createApiDaemon();
    const w = daemon;
    await until('healthy', async () => (await w.client.raw('GET', '/healthz')).status === 200);
    const health = JSON.parse((await w.client.raw('GET', '/healthz')).body) as { ok: boolean; gate: string };
    expect(health).toMatchObject({ ok: true, gate: 'open' });
    await installed(w, 'web');
    w.engine.control.kill('podwarden-web');
    await until('a counted restart', async () => ((await w.client.get<AppStatus>('/v1/apps/web')).restarts ?? 0) >= 1);
    await until('web back', async () => (await w.client.get<AppStatus>('/v1/apps/web')).state === 'running');

    w.engine.control.setReachable(false);
    await w.orchestrator.reconcileNow();
    const down = await w.client.raw('GET', '/healthz');
    expect(down.status).toBe(503);
    expect(JSON.parse(down.body)).toMatchObject({
      ok: false,
      engine: 'unreachable',
      reason: expect.stringMatching(/^engine unreachable: /),
    });
    w.engine.control.setReachable(true);
    await w.orchestrator.reconcileNow();
    expect((await w.client.raw('GET', '/healthz')).status).toBe(200);

    const response = await w.client.raw('GET', '/metrics');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/text\/plain/);
    const families = parsePrometheusTextFormat(response.body);
    const family = (name: string) => families.find((f) => f.name === name);
    for (const name of [
      'podwarden_app_state',
      'podwarden_app_restarts_total',
      'podwarden_app_probe_failures_total',
      'podwarden_pass_duration_seconds',
      'podwarden_engine_calls_total',
      'podwarden_engine_event_lag_seconds',
      'podwarden_journal_write_failures_total',
    ]) {
      expect(family(name), name).toBeDefined();
    }
    const state = family('podwarden_app_state')!.metrics.filter((m) => m.labels?.app === 'web' && m.value === '1');
    expect(state.map((m) => m.labels?.state)).toEqual(['running']);
    expect(family('podwarden_app_restarts_total')!.metrics).toEqual([
      expect.objectContaining({ labels: { app: 'web' }, value: '1' }),
    ]);
    const calls = family('podwarden_engine_calls_total')!.metrics;
    expect(calls).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ labels: { call: 'start', outcome: 'ok' } }),
        expect.objectContaining({ labels: { call: 'list', outcome: 'unreachable' }, value: '1' }),
      ]),
    );
    expect(Number(family('podwarden_engine_event_lag_seconds')!.metrics[0]!.count)).toBeGreaterThan(0);
    expect(Number(family('podwarden_pass_duration_seconds')!.metrics[0]!.count)).toBeGreaterThan(0);
  });
});
