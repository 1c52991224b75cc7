import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { LABELS } from '../../src/domain/labels.js';
import type { AppStatus } from '../../src/orchestrator.js';
import { SERVICE_NODE_FLAGS } from '../../src/service/service-unit.js';
import { until } from '../support/until.js';
import { lanesUnderTest } from '../lanes/support/lane.js';
import { hostSession, type HostSession } from './support/host-session.js';

// podwarden as a systemd service on the host its users run (systemd 257, podman 5, Quadlet),
// rootless as a user service and rootful as a system service: its companions are Quadlet units,
// and no restart, kill or hang of podwarden touches a container. The reference design's worst
// incident was companions vanishing when the orchestrator restarted.

/** A container as `podman inspect` sees it; StartedAt to the nanosecond, so any restart shows. */
interface Seen {
  id: string;
  name: string;
  state: string;
  startedAt: string;
}

const DEADLINE = 90_000;

describe.each(lanesUnderTest().filter((lane) => lane.hostContainer !== undefined))(
  'podwarden as a service on $title',
  (lane) => {
    const tag = randomBytes(3).toString('hex');
    const appId = `svc${tag}`;
    const instance = `svc-${tag}`;
    const hostPort = 20_000 + Math.floor(Math.random() * 9_000);
    let host: HostSession;
    let base: string;
    let apiSocket: string;
    let companionUnitFile: string;
    const containerName = `podwarden-${appId}`;
    const companionUnit = `podwarden-${appId}-ui.service`;

    async function status(): Promise<AppStatus[] | undefined> {
      const result = await host.podwarden('status', '--json', '--socket', apiSocket);
      if (result.stdout.trim() === '') return undefined;
      try {
        return JSON.parse(result.stdout) as AppStatus[];
      } catch {
        return undefined;
      }
    }

    async function containers(): Promise<Seen[]> {
      let out: string;
      // A container may go between the list and the inspect (an uninstall under way): look again.
      for (let attempt = 0; ; attempt += 1) {
        const ids = (
          await host.run(['podman', 'ps', '--all', '--quiet', '--filter', `label=${LABELS.owner}=${instance}`])
        )
          .split(/\s+/)
          .filter(Boolean);
        if (ids.length === 0) return [];
        const inspected = await host.exec([
          'podman',
          'inspect',
          '--format',
          '{{.Id}} {{.Name}} {{.State.Status}} {{.State.StartedAt}}',
          ...ids,
        ]);
        if (inspected.code === 0) {
          out = inspected.stdout;
          break;
        }
        if (attempt >= 5 || !/no such object/.test(inspected.stderr))
          throw new Error(`podman inspect on the systemd host: ${inspected.stderr.trim()}`);
      }
      return out
        .trim()
        .split('\n')
        .map((line) => {
          const [id, name, state, ...started] = line.split(' ');
          return { id: id!, name: name!, state: state!, startedAt: started.join(' ') };
        })
        .sort((a, b) => a.name.localeCompare(b.name));
    }

    async function mainPid(): Promise<number> {
      return Number(
        (await host.systemctl('show', '--property', 'MainPID', '--value', 'podwarden.service')).stdout.trim(),
      );
    }

    /** The app running and ready, its companion unit active, as podwarden reports them. */
    async function allUp(): Promise<AppStatus[]> {
      let last: AppStatus[] | undefined;
      return until(
        () => `${appId} running and ready with its companion active; last status: ${JSON.stringify(last)}`,
        async () => {
          last = await status();
          const app = last?.find((row) => row.appId === appId && row.companion === undefined);
          const ui = last?.find((row) => row.appId === appId && row.companion === 'ui');
          return app?.state === 'running' && app.ready === true && ui?.state === 'active' ? last : undefined;
        },
        DEADLINE,
        250,
      );
    }

    async function restartedFrom(pid: number): Promise<number> {
      return until(
        `podwarden.service to run again with a new main process (was ${pid})`,
        async () => {
          const now = await mainPid();
          return now !== 0 &&
            now !== pid &&
            (await host.systemctl('is-active', 'podwarden.service')).stdout.trim() === 'active'
            ? now
            : undefined;
        },
        DEADLINE,
        250,
      );
    }

    beforeAll(async () => {
      host = hostSession(lane);
      base = `${host.home}/pw-${tag}`;
      apiSocket = `${base}/state/podwarden.sock`;
      companionUnitFile = lane.rootless
        ? `${host.home}/.config/containers/systemd/podwarden-${appId}-ui.container`
        : `/etc/containers/systemd/podwarden-${appId}-ui.container`;
      const manifest = {
        app: {
          id: appId,
          name: 'Service test',
          version: '1',
          container: { image: `${lane.registry}/podwarden/httpd:1`, ports: [`${hostPort}:8080`], stopTimeout: '2s' },
          // Probed through the published port: a rootless container's own address cannot be reached.
          probes: { readiness: { http: { port: 8080, path: '/health' }, interval: '1s' } },
          // Quadlet's health keys with Notify=healthy: systemd counts the unit started once the check passes.
          companions: [
            {
              id: 'ui',
              container: {
                image: `${lane.registry}/podwarden/httpd:1`,
                healthcheck: {
                  test: ['CMD-SHELL', 'timeout 2 wget -q -O /dev/null http://127.0.0.1:8080/health'],
                  interval: '2s',
                  retries: 2,
                },
              },
            },
          ],
        },
      };
      await host.writeFile(`${base}/catalog/${appId}.yml`, stringify(manifest));
      const installed = await host.podwarden(
        'service',
        'install',
        ...host.scopeFlag,
        '--watchdog',
        '6',
        '--',
        '--catalog',
        `${base}/catalog`,
        '--state-dir',
        `${base}/state`,
        '--instance',
        instance,
        '--insecure-registry',
        lane.registry,
        '--interval',
        '3s',
        '--log-format',
        'json',
      );
      expect(installed.code, installed.stderr).toBe(0);
      await until('the API socket of the service', async () => (await status()) !== undefined, DEADLINE, 250);
      const install = await host.podwarden('install', appId, '--socket', apiSocket);
      expect(install.code, install.stderr).toBe(0);
    });

    afterAll(async () => {
      if (!host) return;
      await host.podwarden('uninstall', appId, '--socket', apiSocket);
      await host.podwarden('service', 'uninstall', ...host.scopeFlag);
      await host.exec([
        'sh',
        '-c',
        `podman rm --force --time 0 $(podman ps --all --quiet --filter label=${LABELS.owner}=${instance}) 2>/dev/null; rm -rf ${base}`,
      ]);
    });

    it('runs the app through podman and its companion as a Quadlet unit, ready through the published port', async () => {
      const rows = await allUp();
      expect(rows.find((row) => row.companion === 'ui')?.reason).toContain('systemd');
      const unitText = await host.run(['cat', companionUnitFile]);
      expect(unitText).toContain('HealthCmd=');
      expect(unitText).toContain('Notify=healthy');
      expect((await host.systemctl('is-active', companionUnit)).stdout.trim()).toBe('active');
      expect(
        (await host.run(['podman', 'inspect', '--format', '{{.State.Health.Status}}', `podwarden-${appId}-ui`])).trim(),
      ).toBe('healthy');
      expect((await containers()).map((c) => [c.name, c.state])).toEqual([
        [containerName, 'running'],
        [`podwarden-${appId}-ui`, 'running'],
      ]);
      const text = await host.podwarden('status', '--socket', apiSocket);
      expect(text.stdout).toContain('image health checks: run by the engine');
      // As the unit says: node with the service's flags (V8 without its compilers, docs/operations.md).
      const commandLine = (await host.run(['cat', `/proc/${await mainPid()}/cmdline`])).split('\0');
      for (const flag of SERVICE_NODE_FLAGS) expect(commandLine).toContain(flag);
      expect(
        (await host.systemctl('show', '--property', 'NRestarts', '--value', 'podwarden.service')).stdout.trim(),
      ).toBe('0');
    });

    it('keeps every container across `systemctl restart podwarden`: same ids, never restarted', async () => {
      await allUp();
      const before = await containers();
      const pid = await mainPid();
      const restarted = await host.systemctl('restart', 'podwarden.service');
      expect(restarted.code, restarted.stderr).toBe(0);
      expect(await mainPid()).not.toBe(pid);
      await allUp();
      expect(await containers()).toEqual(before);
    });

    it('is started again by systemd after `kill -9`, and the containers never notice', async () => {
      await allUp();
      const before = await containers();
      const pid = await mainPid();
      await host.run(['kill', '-KILL', String(pid)]);
      await restartedFrom(pid);
      await allUp();
      expect(await containers()).toEqual(before);
    });

    it('is restarted by the watchdog when its event loop stops (SIGSTOP)', async () => {
      await allUp();
      const before = await containers();
      const pid = await mainPid();
      await host.run(['kill', '-STOP', String(pid)]);
      await restartedFrom(pid);
      const result = (
        await host.systemctl('show', '--property', 'Result', '--value', 'podwarden.service')
      ).stdout.trim();
      // journald files the manager's line a moment after the manager acts: read until it is there.
      let log = '';
      await until(
        () => `'Watchdog timeout' in the unit's journal: ${log.slice(-2_000)}`,
        async () => {
          log = (
            await host.exec([
              'journalctl',
              ...(lane.rootless ? ['--user'] : []),
              '--unit',
              'podwarden.service',
              '--no-pager',
              '--output',
              'cat',
            ])
          ).stdout;
          return log.includes('Watchdog timeout');
        },
        DEADLINE,
        250,
      );
      expect(['success', 'watchdog']).toContain(result);
      await allUp();
      expect(await containers()).toEqual(before);
    });

    it('writes a deleted companion unit file again, and an edited one back, within a pass', async () => {
      await allUp();
      const original = await host.run(['cat', companionUnitFile]);
      await host.run(['rm', companionUnitFile]);
      await until(
        'the unit file written again',
        async () => (await host.exec(['cat', companionUnitFile])).stdout === original,
        DEADLINE,
        250,
      );
      await host.writeFile(companionUnitFile, `${original}\n# edited by hand\n`);
      await until(
        'the edit undone',
        async () => (await host.exec(['cat', companionUnitFile])).stdout === original,
        DEADLINE,
        250,
      );
      await allUp();
    });

    it('restarts an app container killed behind its back, from the engine events', async () => {
      const app = (await containers()).find((c) => c.name === containerName)!;
      await host.run(['podman', 'kill', '--signal', 'KILL', containerName]);
      await until(
        'the same app container running again, started anew',
        async () => {
          const now = (await containers()).find((c) => c.name === containerName);
          return now?.state === 'running' && now.startedAt !== app.startedAt && now.id === app.id;
        },
        DEADLINE,
        250,
      );
      await allUp();
    });

    it('uninstalls the app: its companion unit disabled and removed, its containers gone; then the service itself', async () => {
      await allUp();
      const uninstalled = await host.podwarden('uninstall', appId, '--socket', apiSocket);
      expect(uninstalled.code, uninstalled.stderr).toBe(0);
      await until(
        'the companion unit file removed',
        async () => (await host.exec(['test', '-e', companionUnitFile])).code !== 0,
        DEADLINE,
        250,
      );
      await until('no container left', async () => (await containers()).length === 0, DEADLINE, 250);
      expect((await host.systemctl('is-active', companionUnit)).stdout.trim()).not.toBe('active');
      const removed = await host.podwarden('service', 'uninstall', ...host.scopeFlag);
      expect(removed.stdout).toContain('removed');
      expect((await host.systemctl('is-active', 'podwarden.service')).stdout.trim()).not.toBe('active');
    });
  },
);
