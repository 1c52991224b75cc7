import { describe, expect, it } from 'vitest';
import { createSimWorld, image, useSimWorlds, type SimWorld } from './sim-world.js';

const HOUR = 60 * 60_000;
useSimWorlds();

const TWO_COMPANIONS = {
  companions: [
    { id: 'ui', container: { image: image('httpd') } },
    { id: 'sidecar', container: { image: image('sleeper') } },
  ],
};

function rows(world: SimWorld) {
  return world.orchestrator
    .status()
    .map((row) => `${row.appId}${row.companion ? `/${row.companion}` : ''}:${row.state}`);
}

/** The order in which the simulated engine was asked to do `methods`, as `method name-or-id`. */
function callOrder(world: SimWorld, ...methods: Array<'create' | 'start' | 'remove'>) {
  const order: string[] = [];
  for (const method of methods) {
    const original = world.engine[method].bind(world.engine) as (arg: never) => Promise<unknown>;
    (world.engine as unknown as Record<string, unknown>)[method] = async (arg: { name?: string } | string) => {
      order.push(`${method} ${typeof arg === 'string' ? arg : (arg.name ?? '?')}`);
      return original(arg as never);
    };
  }
  return order;
}

describe('companions under the supervisor (simulated engine and clock)', () => {
  it('are created once their app runs, stop and start with it, and go before it on uninstall', async () => {
    const world = await createSimWorld(
      { node: { image: image('httpd') } },
      { intervalMs: HOUR, appFields: { node: TWO_COMPANIONS } },
    );
    const calls = callOrder(world, 'create', 'start');
    await world.orchestrator.install('node');
    await world.advance(100);
    expect(rows(world)).toEqual(['node:running', 'node/sidecar:running', 'node/ui:running']);
    // The app's container was created and started before either companion was created.
    expect(calls.slice(0, 3)).toEqual([
      'create podwarden-node',
      `start ${world.containerId('node')}`,
      expect.stringMatching(/^create podwarden-node-(ui|sidecar)$/),
    ]);
    expect(calls.filter((call) => call.startsWith('create'))).toHaveLength(3);
    // Before the app ran, its companions waited for it, saying so.
    expect(world.transitions.find((t) => t.companion === 'ui' && t.to === 'waiting')?.reason).toBe(
      'waiting for node (not ready)',
    );

    await world.orchestrator.stopApp('node');
    await world.advance(100);
    expect(rows(world)).toEqual(['node:stopped', 'node/sidecar:stopped', 'node/ui:stopped']);
    await world.orchestrator.startApp('node');
    await world.advance(100);
    expect(rows(world)).toEqual(['node:running', 'node/sidecar:running', 'node/ui:running']);

    const removes = callOrder(world, 'remove');
    const appId = world.containerId('node')!;
    await world.orchestrator.uninstall('node');
    await world.advance(100);
    expect(rows(world)).toEqual([]);
    expect(removes).toHaveLength(3);
    expect(removes[2]).toBe(`remove ${appId}`);
  });

  it('a companion removed behind podwarden’s back comes back; its app is not touched; passes report it', async () => {
    const world = await createSimWorld(
      { node: { image: image('httpd') } },
      { intervalMs: HOUR, appFields: { node: TWO_COMPANIONS } },
    );
    await world.orchestrator.install('node');
    await world.advance(100);
    const appId = world.containerId('node')!;
    const ui = world.orchestrator.status().find((row) => row.companion === 'ui')!.containerId!;
    world.engine.control.removeBehindBack(ui);
    await world.advance(500);
    const after = world.orchestrator.status().find((row) => row.companion === 'ui')!;
    expect(after.state).toBe('running');
    expect(after.containerId).not.toBe(ui);
    expect(world.containerId('node')).toBe(appId);
    expect(world.starts.filter((s) => s.id === appId)).toHaveLength(1);
    const report = await world.orchestrator.reconcileNow();
    expect(report.entries.map((e) => `${e.appId}${e.companion ? `/${e.companion}` : ''}:${e.action}`)).toEqual([
      'node:none',
      'node/sidecar:none',
      'node/ui:none',
    ]);
  });

  it('are adopted across a podwarden restart, not recreated', async () => {
    const world = await createSimWorld(
      { node: { image: image('httpd') } },
      { intervalMs: HOUR, appFields: { node: TWO_COMPANIONS } },
    );
    await world.orchestrator.install('node');
    await world.advance(100);
    const before = world.orchestrator.status().map((row) => row.containerId);
    const creates = world.engine.control.calls.create;
    await world.restart();
    await world.advance(100);
    expect(world.orchestrator.status().map((row) => row.containerId)).toEqual(before);
    expect(world.engine.control.calls.create).toBe(creates);
  });
});

describe('dependencies between apps (simulated engine and clock)', () => {
  it('start in dependency order; a dependent waits, visibly and without failures, for a dependency that cannot start', async () => {
    const world = await createSimWorld(
      { lnd: { image: image('httpd') }, bitcoind: { image: '127.0.0.1:5000/podwarden/not-published:1' } },
      {
        intervalMs: HOUR,
        appFields: { lnd: { dependsOn: ['bitcoind'] } },
        backoff: { initialMs: 1_000, maxMs: 2_000 },
      },
    );
    const creates = callOrder(world, 'create');
    await world.orchestrator.install('lnd');
    await world.orchestrator.install('bitcoind');
    await world.advance(20_000);
    const lnd = world.orchestrator.status().find((row) => row.appId === 'lnd')!;
    expect(lnd.state).toBe('waiting');
    expect(lnd.reason).toBe('waiting for bitcoind (not ready)');
    expect(lnd.failures).toBe(0);
    expect(creates).toEqual([]);
    expect(world.engine.control.calls.create).toBe(0);
    expect(world.orchestrator.status().find((row) => row.appId === 'bitcoind')!.failures).toBeGreaterThan(2);
  });

  it('a dependent waits for an app that is not installed, and goes on once it is ready', async () => {
    const world = await createSimWorld(
      { lnd: { image: image('httpd') }, bitcoind: { image: image('httpd') } },
      {
        intervalMs: HOUR,
        appFields: { lnd: { dependsOn: ['bitcoind'] } },
      },
    );
    const creates = callOrder(world, 'create');
    await world.orchestrator.install('lnd');
    await world.advance(100);
    expect(world.orchestrator.status().find((row) => row.appId === 'lnd')!.reason).toBe(
      'waiting for bitcoind (not installed)',
    );
    await world.orchestrator.install('bitcoind');
    await world.advance(100);
    expect(rows(world)).toEqual(['bitcoind:running', 'lnd:running']);
    expect(creates).toEqual(['create podwarden-bitcoind', 'create podwarden-lnd']);
  });

  it('a dependency that crashes is restarted alone; its running dependent is not touched', async () => {
    const world = await createSimWorld(
      { lnd: { image: image('httpd') }, bitcoind: { image: image('httpd') } },
      {
        intervalMs: HOUR,
        appFields: { lnd: { dependsOn: ['bitcoind'] } },
      },
    );
    await world.orchestrator.install('bitcoind');
    await world.orchestrator.install('lnd');
    await world.advance(100);
    const lnd = world.containerId('lnd')!;
    const bitcoind = world.containerId('bitcoind')!;
    world.engine.control.kill(bitcoind);
    await world.advance(500);
    expect(rows(world)).toEqual(['bitcoind:running', 'lnd:running']);
    expect(world.starts.filter((s) => s.id === bitcoind)).toHaveLength(2);
    expect(world.starts.filter((s) => s.id === lnd)).toHaveLength(1);
    expect(world.transitions.filter((t) => t.appId === 'lnd').map((t) => t.to)).not.toContain('waiting');
  });
});

describe('companions handed to systemd (simulated engine, systemd test double)', () => {
  it('a unit is installed once its app runs, checked every pass, and disabled and removed before the app’s container', async () => {
    const { FakeSystemd } = await import('../companions/fake-systemd.js');
    const systemd = new FakeSystemd();
    const world = await createSimWorld(
      { node: { image: image('httpd') } },
      {
        intervalMs: HOUR,
        appFields: { node: { companions: [{ id: 'ui', container: { image: image('httpd') } }] } },
        companionBackend: 'systemd',
        systemdUnits: systemd,
      },
    );
    const log: string[] = [];
    const removeContainer = world.engine.remove.bind(world.engine);
    world.engine.remove = async (id) => {
      log.push(`engine remove ${id}`);
      return removeContainer(id);
    };
    const startContainer = world.engine.start.bind(world.engine);
    world.engine.start = async (id) => {
      log.push('engine start');
      return startContainer(id);
    };
    const unitCall = systemd.restart.bind(systemd);
    systemd.restart = async (unit) => {
      log.push(`systemd restart ${unit}`);
      return unitCall(unit);
    };
    await world.orchestrator.install('node');
    await world.advance(100);
    expect(rows(world)).toEqual(['node:running', 'node/ui:active']);
    expect(log).toEqual(['engine start', 'systemd restart podwarden-node-ui.service']);
    expect(systemd.active.has('podwarden-node-ui.service')).toBe(true);
    // plan lists the unit with what its machine does on a pass: a check, no change.
    expect((await world.orchestrator.plan()).find((entry) => entry.companion === 'ui')).toMatchObject({
      appId: 'node',
      state: 'active',
      action: 'none',
      supervisedBy: 'systemd',
    });

    systemd.deleteFileBehindBack('podwarden-node-ui.service');
    const report = await world.orchestrator.reconcileNow();
    expect(report.entries.find((entry) => entry.companion === 'ui')).toMatchObject({ appId: 'node', action: 'repair' });
    await world.advance(100);
    expect(systemd.files.has('podwarden-node-ui.service')).toBe(true);

    const appContainer = world.containerId('node')!;
    systemd.calls.length = 0;
    await world.orchestrator.uninstall('node');
    await world.advance(100);
    expect(systemd.calls).toEqual([
      'disable --now podwarden-node-ui.service',
      'remove podwarden-node-ui.service',
      'daemon-reload',
    ]);
    expect(log.at(-1)).toBe(`engine remove ${appContainer}`);
    expect(rows(world)).toEqual([]);
  });
});
