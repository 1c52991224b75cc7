import { describe, expect, it } from 'vitest';
import { createSimDaemon, image, useSimDaemons, type SimDaemon } from './sim-daemon.js';

const HOUR = 60 * 60_000;
useSimDaemons();

const TWO_COMPANIONS = {
  companions: [
    { id: 'ui', container: { image: image('httpd') } },
    { id: 'sidecar', container: { image: image('sleeper') } },
  ],
};

function rows(daemon: SimDaemon) {
  return daemon.orchestrator
    .status()
    .map((row) => `${row.appId}${row.companion ? `/${row.companion}` : ''}:${row.state}`);
}

/** The order in which the simulated engine was asked to do `methods`, as `method name-or-id`. */
function callOrder(daemon: SimDaemon, ...methods: Array<'create' | 'start' | 'remove'>) {
  const order: string[] = [];
  for (const method of methods) {
    const original = daemon.engine[method].bind(daemon.engine) as (arg: never) => Promise<unknown>;
    (daemon.engine as unknown as Record<string, unknown>)[method] = async (arg: { name?: string } | string) => {
      order.push(`${method} ${typeof arg === 'string' ? arg : (arg.name ?? '?')}`);
      return original(arg as never);
    };
  }
  return order;
}

describe('companions under the supervisor (simulated engine and clock)', () => {
  it('are created once their app runs, stop and start with it, and go before it on uninstall', async () => {
    const daemon = await createSimDaemon(
      { node: { image: image('httpd') } },
      { intervalMs: HOUR, appFields: { node: TWO_COMPANIONS } },
    );
    const calls = callOrder(daemon, 'create', 'start');
    await daemon.orchestrator.install('node');
    await daemon.advance(100);
    expect(rows(daemon)).toEqual(['node:running', 'node/sidecar:running', 'node/ui:running']);
    // The app's container was created and started before either companion was created.
    expect(calls.slice(0, 3)).toEqual([
      'create podwarden-node',
      `start ${daemon.containerId('node')}`,
      expect.stringMatching(/^create podwarden-node-(ui|sidecar)$/),
    ]);
    expect(calls.filter((call) => call.startsWith('create'))).toHaveLength(3);
    // Before the app ran, its companions waited for it, saying so.
    expect(daemon.transitions.find((t) => t.companion === 'ui' && t.to === 'waiting')?.reason).toBe(
      'waiting for node (not ready)',
    );

    await daemon.orchestrator.stopApp('node');
    await daemon.advance(100);
    expect(rows(daemon)).toEqual(['node:stopped', 'node/sidecar:stopped', 'node/ui:stopped']);
    await daemon.orchestrator.startApp('node');
    await daemon.advance(100);
    expect(rows(daemon)).toEqual(['node:running', 'node/sidecar:running', 'node/ui:running']);

    const removes = callOrder(daemon, 'remove');
    const appId = daemon.containerId('node')!;
    await daemon.orchestrator.uninstall('node');
    await daemon.advance(100);
    expect(rows(daemon)).toEqual([]);
    expect(removes).toHaveLength(3);
    expect(removes[2]).toBe(`remove ${appId}`);
  });

  it('a companion removed behind podwarden’s back comes back; its app is not touched; passes report it', async () => {
    const daemon = await createSimDaemon(
      { node: { image: image('httpd') } },
      { intervalMs: HOUR, appFields: { node: TWO_COMPANIONS } },
    );
    await daemon.orchestrator.install('node');
    await daemon.advance(100);
    const appId = daemon.containerId('node')!;
    const ui = daemon.orchestrator.status().find((row) => row.companion === 'ui')!.containerId!;
    daemon.engine.control.removeBehindBack(ui);
    await daemon.advance(500);
    const after = daemon.orchestrator.status().find((row) => row.companion === 'ui')!;
    expect(after.state).toBe('running');
    expect(after.containerId).not.toBe(ui);
    expect(daemon.containerId('node')).toBe(appId);
    expect(daemon.starts.filter((s) => s.id === appId)).toHaveLength(1);
    const report = await daemon.orchestrator.reconcileNow();
    expect(report.entries.map((e) => `${e.appId}${e.companion ? `/${e.companion}` : ''}:${e.action}`)).toEqual([
      'node:none',
      'node/sidecar:none',
      'node/ui:none',
    ]);
  });

  it('are adopted across a podwarden restart, not recreated', async () => {
    const daemon = await createSimDaemon(
      { node: { image: image('httpd') } },
      { intervalMs: HOUR, appFields: { node: TWO_COMPANIONS } },
    );
    await daemon.orchestrator.install('node');
    await daemon.advance(100);
    const before = daemon.orchestrator.status().map((row) => row.containerId);
    const creates = daemon.engine.control.calls.create;
    await daemon.restart();
    await daemon.advance(100);
    expect(daemon.orchestrator.status().map((row) => row.containerId)).toEqual(before);
    expect(daemon.engine.control.calls.create).toBe(creates);
  });
});

describe('dependencies between apps (simulated engine and clock)', () => {
  it('start in dependency order; a dependent waits, visibly and without failures, for a dependency that cannot start', async () => {
    const daemon = await createSimDaemon(
      { lnd: { image: image('httpd') }, bitcoind: { image: '127.0.0.1:5000/podwarden/not-published:1' } },
      {
        intervalMs: HOUR,
        appFields: { lnd: { dependsOn: ['bitcoind'] } },
        backoff: { initialMs: 1_000, maxMs: 2_000 },
      },
    );
    const creates = callOrder(daemon, 'create');
    await daemon.orchestrator.install('lnd');
    await daemon.orchestrator.install('bitcoind');
    await daemon.advance(20_000);
    const lnd = daemon.orchestrator.status().find((row) => row.appId === 'lnd')!;
    expect(lnd.state).toBe('waiting');
    expect(lnd.reason).toBe('waiting for bitcoind (not ready)');
    expect(lnd.failures).toBe(0);
    expect(creates).toEqual([]);
    expect(daemon.engine.control.calls.create).toBe(0);
    expect(daemon.orchestrator.status().find((row) => row.appId === 'bitcoind')!.failures).toBeGreaterThan(2);
  });

  it('a dependent waits for an app that is not installed, and goes on once it is ready', async () => {
    const daemon = await createSimDaemon(
      { lnd: { image: image('httpd') }, bitcoind: { image: image('httpd') } },
      {
        intervalMs: HOUR,
        appFields: { lnd: { dependsOn: ['bitcoind'] } },
      },
    );
    const creates = callOrder(daemon, 'create');
    await daemon.orchestrator.install('lnd');
    await daemon.advance(100);
    expect(daemon.orchestrator.status().find((row) => row.appId === 'lnd')!.reason).toBe(
      'waiting for bitcoind (not installed)',
    );
    await daemon.orchestrator.install('bitcoind');
    await daemon.advance(100);
    expect(rows(daemon)).toEqual(['bitcoind:running', 'lnd:running']);
    expect(creates).toEqual(['create podwarden-bitcoind', 'create podwarden-lnd']);
  });

  it('a dependency that crashes is restarted alone; its running dependent is not touched', async () => {
    const daemon = await createSimDaemon(
      { lnd: { image: image('httpd') }, bitcoind: { image: image('httpd') } },
      {
        intervalMs: HOUR,
        appFields: { lnd: { dependsOn: ['bitcoind'] } },
      },
    );
    await daemon.orchestrator.install('bitcoind');
    await daemon.orchestrator.install('lnd');
    await daemon.advance(100);
    const lnd = daemon.containerId('lnd')!;
    const bitcoind = daemon.containerId('bitcoind')!;
    daemon.engine.control.kill(bitcoind);
    await daemon.advance(500);
    expect(rows(daemon)).toEqual(['bitcoind:running', 'lnd:running']);
    expect(daemon.starts.filter((s) => s.id === bitcoind)).toHaveLength(2);
    expect(daemon.starts.filter((s) => s.id === lnd)).toHaveLength(1);
    expect(daemon.transitions.filter((t) => t.appId === 'lnd').map((t) => t.to)).not.toContain('waiting');
  });
});

describe('companions handed to systemd (simulated engine, systemd test double)', () => {
  it('a unit is installed once its app runs, checked every pass, and disabled and removed before the app’s container', async () => {
    const { FakeSystemd } = await import('../companions/fake-systemd.js');
    const systemd = new FakeSystemd();
    const daemon = await createSimDaemon(
      { node: { image: image('httpd') } },
      {
        intervalMs: HOUR,
        appFields: { node: { companions: [{ id: 'ui', container: { image: image('httpd') } }] } },
        companionBackend: 'systemd',
        systemdUnits: systemd,
      },
    );
    const log: string[] = [];
    const removeContainer = daemon.engine.remove.bind(daemon.engine);
    daemon.engine.remove = async (id) => {
      log.push(`engine remove ${id}`);
      return removeContainer(id);
    };
    const startContainer = daemon.engine.start.bind(daemon.engine);
    daemon.engine.start = async (id) => {
      log.push('engine start');
      return startContainer(id);
    };
    const unitCall = systemd.restart.bind(systemd);
    systemd.restart = async (unit) => {
      log.push(`systemd restart ${unit}`);
      return unitCall(unit);
    };
    await daemon.orchestrator.install('node');
    await daemon.advance(100);
    expect(rows(daemon)).toEqual(['node:running', 'node/ui:active']);
    expect(log).toEqual(['engine start', 'systemd restart podwarden-node-ui.service']);
    expect(systemd.active.has('podwarden-node-ui.service')).toBe(true);
    // plan lists the unit with what its machine does on a pass: a check, no change.
    expect((await daemon.orchestrator.plan()).find((entry) => entry.companion === 'ui')).toMatchObject({
      appId: 'node',
      state: 'active',
      action: 'none',
      supervisedBy: 'systemd',
    });

    systemd.deleteFileBehindBack('podwarden-node-ui.service');
    const report = await daemon.orchestrator.reconcileNow();
    expect(report.entries.find((entry) => entry.companion === 'ui')).toMatchObject({ appId: 'node', action: 'repair' });
    await daemon.advance(100);
    expect(systemd.files.has('podwarden-node-ui.service')).toBe(true);

    const appContainer = daemon.containerId('node')!;
    systemd.calls.length = 0;
    await daemon.orchestrator.uninstall('node');
    await daemon.advance(100);
    expect(systemd.calls).toEqual([
      'disable --now podwarden-node-ui.service',
      'remove podwarden-node-ui.service',
      'daemon-reload',
    ]);
    expect(log.at(-1)).toBe(`engine remove ${appContainer}`);
    expect(rows(daemon)).toEqual([]);
  });
});
