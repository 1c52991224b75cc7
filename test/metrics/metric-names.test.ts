import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/metrics/metrics.js';
import type { Transition } from '../../src/streams/transitions.js';
import { fakeOrchestrator } from './support/fake-orchestrator.js';

async function families(metrics: ReturnType<typeof createMetrics>) {
  return parsePrometheusTextFormat(await metrics.registry.metrics());
}

describe('metric names and types', () => {
  it("process metrics carry podwarden's prefix once, under prom-client's usual names", async () => {
    const metrics = createMetrics(fakeOrchestrator().orchestrator);
    const names = (await families(metrics)).map((family) => family.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'podwarden_process_cpu_seconds_total',
        'podwarden_process_resident_memory_bytes',
        'podwarden_process_start_time_seconds',
        'podwarden_nodejs_heap_size_used_bytes',
        'podwarden_nodejs_eventloop_lag_p99_seconds',
        'podwarden_nodejs_active_handles',
      ]),
    );
    expect(names.filter((name) => name.includes('process_process_'))).toEqual([]);
    expect(names.filter((name) => !name.startsWith('podwarden_'))).toEqual([]);
    metrics.close();
  });

  it('only counters end in _total, and every counter does', async () => {
    const metrics = createMetrics(fakeOrchestrator().orchestrator);
    const all = await families(metrics);
    expect(
      all.filter((family) => family.type !== 'COUNTER' && family.name.endsWith('_total')).map((f) => f.name),
    ).toEqual([]);
    expect(
      all.filter((family) => family.type === 'COUNTER' && !family.name.endsWith('_total')).map((f) => f.name),
    ).toEqual([]);
    metrics.close();
  });

  it('engine event lags of seconds to minutes land in buckets of their own, not only in +Inf', async () => {
    const { orchestrator, telemetry } = fakeOrchestrator();
    const metrics = createMetrics(orchestrator);
    for (const lagMs of [250, 7_000, 45_000, 200_000]) telemetry.next({ kind: 'event-lag', lagMs });
    const lag = (await families(metrics)).find((family) => family.name === 'podwarden_engine_event_lag_seconds')!;
    const buckets = lag.metrics[0]!.buckets!;
    const atMost = (le: string) => Number(buckets[le]);
    expect([atMost('0.25'), atMost('10'), atMost('60'), atMost('300'), atMost('+Inf')]).toEqual([1, 2, 3, 4, 4]);
    metrics.close();
  });

  it('a companion\'s series carry companion="ui": its crash is never counted as its app\'s', async () => {
    const row = (companion?: string) => ({
      appId: 'bitcoind',
      ...(companion ? { companion } : {}),
      state: companion ? 'backoff' : 'running',
      desired: 'running' as const,
      reason: '',
      failures: 0,
      ready: companion === undefined,
    });
    const { orchestrator, transitions } = fakeOrchestrator([row(), row('ui')]);
    const metrics = createMetrics(orchestrator);
    transitions.next({
      appId: 'bitcoind',
      companion: 'ui',
      from: 'running',
      to: 'backoff',
      reason: 'killed by SIGKILL outside podwarden (exit 137)',
      failures: 1,
      at: 0,
    } as Transition);
    const all = await families(metrics);
    const series = (name: string) =>
      all.find((family) => family.name === name)!.metrics.map((metric) => ({ ...metric.labels, value: metric.value }));
    expect(series('podwarden_app_restarts_total')).toEqual([{ app: 'bitcoind', companion: 'ui', value: '1' }]);
    expect(series('podwarden_app_state').filter((metric) => metric.value === '1')).toEqual([
      { app: 'bitcoind', state: 'running', value: '1' },
      { app: 'bitcoind', companion: 'ui', state: 'backoff', value: '1' },
    ]);
    metrics.close();
  });
});
