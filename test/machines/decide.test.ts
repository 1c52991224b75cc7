import { describe, expect, it } from 'vitest';
import { decide } from '../../machines/decide.js';
import type { ContainerObservation, ContainerStatus } from '../../src/domain/container-observation.js';

const HASH = 'abc123';

function container(status: ContainerStatus, extra: Partial<ContainerObservation> = {}): ContainerObservation {
  return {
    id: 'c1',
    name: 'podwarden-app',
    image: 'img',
    status,
    health: 'none',
    labels: { 'io.podwarden.spec-hash': HASH },
    ...extra,
  };
}

describe('the ensure-running decision table', () => {
  // [desired, observation, expected action, counts as a failure]
  const rows: Array<[string, 'running' | 'stopped' | 'absent', ContainerObservation | null, string, boolean]> = [
    ['running + healthy → nothing', 'running', container('running', { health: 'healthy' }), 'none', false],
    ['running without healthcheck → nothing', 'running', container('running'), 'none', false],
    [
      'running, health still starting → nothing',
      'running',
      container('running', { health: 'starting' }),
      'none',
      false,
    ],
    ['running but unhealthy → recreate', 'running', container('running', { health: 'unhealthy' }), 'recreate', true],
    ['running but its process is gone → recreate', 'running', container('running', { pid: 0 }), 'recreate', true],
    [
      'running from an older manifest → recreate',
      'running',
      container('running', { labels: { 'io.podwarden.spec-hash': 'old' } }),
      'recreate',
      false,
    ],
    ['exited (not by the owner) → start', 'running', container('exited', { exitCode: 3 }), 'start', true],
    ['exited from an older manifest → recreate', 'running', container('exited', { labels: {} }), 'recreate', false],
    ['missing → pull + create + start', 'running', null, 'create', false],
    ['stuck in Created → recreate', 'running', container('created'), 'recreate', false],
    ['Paused → recreate', 'running', container('paused'), 'recreate', false],
    ['Unknown → recreate', 'running', container('unknown'), 'recreate', true],
    ['Dead → recreate', 'running', container('dead'), 'recreate', true],
    ['engine restarting it → wait', 'running', container('restarting'), 'wait', false],
    ['engine removing it → wait', 'running', container('removing'), 'wait', false],
    ['user-stopped and exited → nothing', 'stopped', container('exited'), 'none', false],
    ['user-stopped and missing → nothing', 'stopped', null, 'none', false],
    ['user-stopped but running → stop', 'stopped', container('running'), 'stop', false],
    ['user-stopped but paused → stop', 'stopped', container('paused'), 'stop', false],
    ['user-stopped, created → nothing', 'stopped', container('created'), 'none', false],
    ['uninstalled with a container → remove', 'absent', container('running'), 'remove', false],
    ['uninstalled, container gone → nothing', 'absent', null, 'none', false],
  ];

  it.each(rows)('%s', (_name, desired, observation, action, failed) => {
    const decision = decide(desired, observation, { specHash: HASH });
    expect(decision.action).toBe(action);
    expect(decision.failed).toBe(failed);
    expect(decision.why.length).toBeGreaterThan(0);
  });

  it("leaves an unhealthy verdict alone when the manifest turned the image's check off", () => {
    const decision = decide('running', container('running', { health: 'unhealthy' }), {
      specHash: HASH,
      ignoreEngineHealth: true,
    });
    expect(decision).toEqual({ action: 'none', why: 'running', failed: false });
  });

  it("says, as data, when the engine's own health check is what failed the container", () => {
    const unhealthy = decide('running', container('running', { health: 'unhealthy' }), { specHash: HASH });
    expect(unhealthy).toMatchObject({ action: 'recreate', failed: true, unhealthy: true });
    const lost = decide('running', container('running', { health: 'unhealthy', pid: 0 }), { specHash: HASH });
    expect(lost.unhealthy).toBeUndefined();
  });

  it('names the exit code and an OOM kill in its reason', () => {
    expect(decide('running', container('exited', { exitCode: 137, oomKilled: true }), { specHash: HASH }).why).toBe(
      'exited with code 137 (out of memory)',
    );
  });
});
