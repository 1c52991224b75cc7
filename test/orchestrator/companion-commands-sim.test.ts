import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as realSleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { AppStatus } from '../../src/orchestrator.js';
import { createSimDaemon, image, useSimDaemons, type SimDaemon } from './sim-daemon.js';
import { PodwardenError } from '../../src/podwarden-error.js';

const HOUR = 60 * 60_000;
const WAIT = { wait: { timeoutMs: 60_000 } };
useSimDaemons();

/** The command's outcome, with the fake clock moved on until it comes (as command-outcome-sim.test.ts). */
async function outcomeOf(daemon: SimDaemon, promise: Promise<AppStatus | undefined>, fakeMs = 30_000) {
  let done = false;
  const caught = promise.then(
    (row) => ({ row, error: undefined }),
    (error: unknown) => ({ row: undefined, error: error as PodwardenError }),
  );
  void caught.finally(() => (done = true));
  for (let elapsed = 0; elapsed < fakeMs && !done; elapsed += 250) {
    await realSleep(2);
    await daemon.advance(250);
  }
  return caught;
}

const COMPANIONS = {
  companions: [
    { id: 'ui', container: { image: image('httpd') } },
    { id: 'sidecar', container: { image: image('sleeper') } },
  ],
};

function rows(daemon: SimDaemon) {
  return daemon.orchestrator
    .status()
    .map((row) => `${row.appId}${row.companion ? `/${row.companion}` : ''}:${row.state}:${row.desired}`);
}

async function nodeWithCompanions(): Promise<SimDaemon> {
  const daemon = await createSimDaemon(
    { node: { image: image('httpd') } },
    { intervalMs: HOUR, appFields: { node: COMPANIONS } },
  );
  await daemon.orchestrator.install('node');
  await daemon.advance(100);
  return daemon;
}

async function desiredFile(daemon: SimDaemon): Promise<{ apps: Record<string, { stoppedCompanions?: string[] }> }> {
  const stateDir = join(daemon.catalogDir, '..', 'state');
  return JSON.parse(await readFile(join(stateDir, 'desired.json'), 'utf8')) as never;
}

describe('a companion by its own id: start, stop, restart (simulated engine and clock)', () => {
  it('stop bitcoind/ui stops the companion alone, kept stopped across the app’s stop and start and a podwarden restart', async () => {
    const daemon = await nodeWithCompanions();
    const appContainer = daemon.containerId('node');

    expect((await outcomeOf(daemon, daemon.orchestrator.stopApp('node/ui', WAIT))).row).toMatchObject({
      appId: 'node',
      companion: 'ui',
      state: 'stopped',
    });
    expect(rows(daemon)).toEqual(['node:running:running', 'node/sidecar:running:running', 'node/ui:stopped:stopped']);
    expect(daemon.containerId('node')).toBe(appContainer);
    expect((await desiredFile(daemon)).apps.node!.stoppedCompanions).toEqual(['ui']);

    // The app stops and starts: the companion the owner stopped stays stopped, the other follows its app.
    await daemon.orchestrator.stopApp('node');
    await daemon.advance(100);
    await daemon.orchestrator.startApp('node');
    await daemon.advance(100);
    expect(rows(daemon)).toEqual(['node:running:running', 'node/sidecar:running:running', 'node/ui:stopped:stopped']);

    // The owner's word is on disk: a new podwarden keeps it.
    await daemon.restart();
    await daemon.advance(200);
    expect(rows(daemon)).toEqual(['node:running:running', 'node/sidecar:running:running', 'node/ui:stopped:stopped']);

    const started = (await outcomeOf(daemon, daemon.orchestrator.startApp('node/ui', WAIT))).row;
    expect(started).toMatchObject({ appId: 'node', companion: 'ui', state: 'running' });
    expect(rows(daemon)).toEqual(['node:running:running', 'node/sidecar:running:running', 'node/ui:running:running']);
    expect((await desiredFile(daemon)).apps.node!.stoppedCompanions).toBeUndefined();
  });

  it('restart bitcoind/ui replaces the companion’s run only; the app keeps its container and its run', async () => {
    const daemon = await nodeWithCompanions();
    const appContainer = daemon.containerId('node')!;
    const appStarts = daemon.starts.filter((start) => start.id === appContainer).length;
    const ui = () => daemon.orchestrator.status().find((row) => row.companion === 'ui')!;
    const uiStarts = () => daemon.starts.filter((start) => start.id === ui().containerId).length;
    const before = uiStarts();

    const { row } = await outcomeOf(daemon, daemon.orchestrator.restartApp('node/ui', WAIT));
    expect(row).toMatchObject({ appId: 'node', companion: 'ui', state: 'running' });
    expect(uiStarts()).toBe(before + 1);
    expect(daemon.starts.filter((start) => start.id === appContainer)).toHaveLength(appStarts);
    expect(
      daemon.transitions.some((t) => t.appId === 'node' && t.companion === undefined && t.to === 'restarting'),
    ).toBe(false);
  });

  it('a companion whose app is stopped cannot be started: the wait says why; its wish is kept for when the app runs', async () => {
    const daemon = await nodeWithCompanions();
    await daemon.orchestrator.stopApp('node/ui');
    await daemon.orchestrator.stopApp('node');
    await daemon.advance(100);
    const refused = await outcomeOf(daemon, daemon.orchestrator.startApp('node/ui', WAIT));
    expect(refused.error).toMatchObject({
      code: 'not-reached',
      message: 'node/ui cannot be running and ready: its app node is stopped (podwarden start node)',
    });
    await outcomeOf(daemon, daemon.orchestrator.startApp('node', WAIT));
    await daemon.advance(100);
    expect(rows(daemon)).toEqual(['node:running:running', 'node/sidecar:running:running', 'node/ui:running:running']);
  });

  it('refuses what is not a companion, naming it; uninstall and install stay app commands', async () => {
    const daemon = await nodeWithCompanions();
    const refusal = (promise: Promise<unknown>) =>
      promise.then(
        () => undefined,
        (error: unknown) => error,
      );
    const none = await refusal(daemon.orchestrator.stopApp('node/nope'));
    expect(none).toBeInstanceOf(PodwardenError);
    expect(none).toMatchObject({ code: 'not-found', message: 'app "node" has no companion "nope"' });
    expect(await refusal(daemon.orchestrator.restartApp('ghost/ui'))).toMatchObject({
      code: 'not-found',
      message: 'app "ghost" is not installed',
    });
    expect(await refusal(daemon.orchestrator.startApp('node/ui/x'))).toMatchObject({ code: 'invalid' });
    expect(await refusal(daemon.orchestrator.uninstall('node/ui'))).toMatchObject({ code: 'invalid' });
  });

  it('explain says whose companion it is and who stopped it', async () => {
    const daemon = await nodeWithCompanions();
    await daemon.orchestrator.stopApp('node/ui');
    await daemon.advance(100);
    const own = await daemon.orchestrator.explain('node/ui');
    expect(own.summary).toContain('It is a companion of node: it runs while node runs and is ready.');
    expect(own.summary).toContain(
      'The owner stopped it: it stays stopped, whatever node does, until `podwarden start node/ui`.',
    );

    await daemon.orchestrator.stopApp('node');
    await daemon.advance(100);
    const sidecar = await daemon.orchestrator.explain('node/sidecar');
    expect(sidecar.summary).toContain('It is stopped with its app: the owner stopped node.');
    expect(sidecar.summary).not.toContain('The owner stopped it');
  });

  it('plan lists the companions with their steps, a stopped one included', async () => {
    const daemon = await nodeWithCompanions();
    await daemon.orchestrator.stopApp('node/ui');
    await daemon.advance(100);
    const plan = await daemon.orchestrator.plan();
    expect(
      plan.map(
        (entry) => `${entry.appId}${entry.companion ? `/${entry.companion}` : ''}:${entry.desired}:${entry.action}`,
      ),
    ).toEqual(['node:running:none', 'node/sidecar:running:none', 'node/ui:stopped:none']);
    // Removed behind podwarden's back, the running companion's plan is to create it again.
    daemon.engine.control.removeBehindBack(
      daemon.orchestrator.status().find((row) => row.companion === 'sidecar')!.containerId!,
    );
    const after = await daemon.orchestrator.plan();
    expect(after.find((entry) => entry.companion === 'sidecar')).toMatchObject({ action: 'create' });
  });
});
