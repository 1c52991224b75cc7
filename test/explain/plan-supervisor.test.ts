import { describe, expect, it, vi } from 'vitest';
import { fromPromise } from 'xstate';
import { appMachine } from '../../machines/app.machine.js';
import type { DeclaredApp } from '../../machines/supervisor.machine.js';
import type { AppSpec } from '../../machines/types.js';
import type { ContainerObservation } from '../../src/domain/container-observation.js';
import { LABELS } from '../../src/domain/labels.js';
import { planPass, plannedApps } from '../../src/explain/plan.js';
import { startSupervisor } from '../machines/supervisor-harness.js';
import { useFakeClock } from '../support/fake-clock.js';
import { containerSpec } from '../support/container-spec.js';

useFakeClock();

function spec(key: string): AppSpec {
  const name = `podwarden-${key.replace('/', '-')}`;
  return {
    appId: key,
    specHash: `h-${key}`,
    image: { ref: 'registry.local/demo:1', pullPolicy: 'never' },
    container: containerSpec(name, 'registry.local/demo:1'),
  };
}

function exited(appId: string): ContainerObservation {
  return {
    id: `ctr-${appId}`,
    name: `podwarden-${appId}`,
    image: 'registry.local/demo:1',
    status: 'exited',
    health: 'none',
    exitCode: 1,
    labels: { [LABELS.app]: appId, [LABELS.specHash]: `h-${appId}` },
  };
}

function running(appId: string): ContainerObservation {
  return { ...exited(appId), status: 'running', exitCode: undefined };
}

describe('podwarden plan against the supervisor (dependency holds, companions)', () => {
  it('plans a wait, naming the dependency, for an app and a companion the pass reports waiting', async () => {
    const apps: Record<string, DeclaredApp> = {
      db: { spec: spec('db'), desired: 'running' },
      web: { spec: spec('web'), desired: 'running', dependsOn: ['db'], companions: { sidecar: spec('web/sidecar') } },
    };
    const { actor, world } = startSupervisor({ apps });
    world.containers = [exited('db'), exited('web')];
    await vi.advanceTimersByTimeAsync(0);
    const report = world.passes.at(-1)!;
    const context = actor.getSnapshot().context;
    const plan = planPass(plannedApps(context), context.refused, world.containers);

    const entryOf = (appId: string, companion?: string) =>
      plan.find((entry) => entry.appId === appId && entry.companion === companion);
    const reportOf = (appId: string, companion?: string) =>
      report.entries.find((entry) => entry.appId === appId && entry.companion === companion);

    expect(entryOf('web')).toMatchObject({ state: 'waiting', action: 'wait', waitingFor: ['db (not ready)'] });
    expect(reportOf('web')).toMatchObject({ state: 'waiting', action: 'wait' });
    expect(entryOf('web')?.why).toBe(context.refs.web!.getSnapshot().context.reason);
    expect(entryOf('web')?.why).toBe('waiting for db (not ready)');

    // The companion waits for its app, and has no container yet.
    expect(entryOf('web', 'sidecar')).toMatchObject({
      state: 'waiting',
      action: 'wait',
      waitingFor: ['web (not ready)'],
    });
    expect(reportOf('web', 'sidecar')).toMatchObject({ state: 'waiting', action: 'wait' });

    // db is held by nothing: it is started (its render ran into the unprovided effect and backs off).
    expect(entryOf('db')).toMatchObject({ action: 'start' });
    expect(reportOf('db')?.action).toBe(entryOf('db')?.action);
    actor.stop();
  });

  it('plans the render a pass makes for a running app with rendered files, and the pass report says it too', async () => {
    const withFiles: AppSpec = {
      ...spec('web'),
      render: { manifestFile: 'catalog/web.yml', dataDir: '/srv/web', files: [{ path: 'web.conf', template: 'x' }] },
    };
    const apps: Record<string, DeclaredApp> = {
      web: { spec: withFiles, desired: 'running' },
      db: { spec: spec('db'), desired: 'running' },
    };
    // Renders write nothing here: the app stays running, pass after pass.
    const quietRender = appMachine.provide({
      actors: { renderFiles: fromPromise(async () => ({ changed: false as boolean })) },
    });
    const { actor, world } = startSupervisor({ apps, appMachine: quietRender, intervalMs: 1_000 });
    world.containers = [running('web'), running('db')];
    // Booted before the containers were listed, the apps back off and then adopt them.
    await vi.advanceTimersByTimeAsync(30_000);
    expect(world.passes.at(-1)!.entries.map(({ appId, action }) => ({ appId, action }))).toEqual([
      { appId: 'db', action: 'none' },
      { appId: 'web', action: 'render' },
    ]);
    const context = actor.getSnapshot().context;
    const plan = planPass(plannedApps(context), context.refused, world.containers);
    expect(plan.map(({ appId, state, action }) => ({ appId, state, action }))).toEqual([
      { appId: 'db', state: 'running', action: 'none' },
      { appId: 'web', state: 'running', action: 'render' },
    ]);
    const passes = world.passes.length;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(world.passes.length).toBe(passes + 1);
    const report = world.passes.at(-1)!;
    for (const entry of plan) {
      expect(report.entries.find((reported) => reported.appId === entry.appId)?.action).toBe(entry.action);
    }
    actor.stop();
  });
});
