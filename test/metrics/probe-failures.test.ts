import { describe, expect, it } from 'vitest';
import type { FailureReason } from '../../machines/failure.js';
import { describeFailure } from '../../machines/failure.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import type { Transition } from '../../src/streams/transitions.js';
import { fakeOrchestrator } from './support/fake-orchestrator.js';

function change(appId: string, to: string, failure: FailureReason | undefined, reason?: string): Transition {
  return {
    appId,
    from: 'running',
    to,
    reason: reason ?? (failure ? describeFailure(failure) : 'running'),
    failures: failure ? 1 : 0,
    ...(failure ? { failure: describeFailure(failure), failureReason: failure } : {}),
    ready: false,
    at: 0,
  };
}

async function probeFailures(metrics: ReturnType<typeof createMetrics>): Promise<Record<string, number>> {
  const metric = await metrics.registry.getSingleMetric('podwarden_app_probe_failures_total')!.get();
  return Object.fromEntries(metric.values.map((value) => [String(value.labels.app), value.value]));
}

describe('podwarden_app_probe_failures_total', () => {
  it("counts state changes by their typed failure, not by the reason's words", async () => {
    const { orchestrator, transitions } = fakeOrchestrator();
    const metrics = createMetrics(orchestrator);
    const liveness: FailureReason = {
      kind: 'probe-failing',
      role: 'liveness',
      target: 'http :8080/health',
      output: '',
      failures: 3,
    };
    const unhealthy: FailureReason = {
      kind: 'container-broken',
      detail: 'container is unhealthy',
      health: 'unhealthy',
    };
    const lost: FailureReason = { kind: 'container-broken', detail: 'running but its process is gone' };
    // A render step whose template is named after a probe: its reason says "probe", it is no probe failure.
    const render: FailureReason = {
      kind: 'step-failed',
      step: 'render',
      message: 'template probe.conf: health check missing',
    };

    transitions.next(change('probed', 'backoff', liveness));
    transitions.next(change('checked', 'backoff', unhealthy));
    transitions.next(
      change('gave-up', 'failed', { kind: 'restart-budget-spent', restarts: 5, windowMs: 60_000, last: liveness }),
    );
    transitions.next(change('lost', 'backoff', lost));
    transitions.next(change('rendered', 'backoff', render));
    // The failure stays on record while the app comes back: those changes were not caused by it.
    transitions.next(change('probed', 'pulling', liveness, 'no container'));
    transitions.next(change('calm', 'stopped', undefined, 'stopped by the owner after a probe check'));

    expect(await probeFailures(metrics)).toEqual({ probed: 1, checked: 1, 'gave-up': 1 });
    metrics.close();
  });
});
