import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseRecord, type CommandRecord } from '../../src/journal/records.js';
import type { Orchestrator } from '../../src/orchestrator.js';
import { createRealTimeDaemon, type RealTimeDaemon } from './real-time-daemon.js';

// Issue 11, "a command reported as failed takes effect later": with the state disk failing,
// `uninstall b` and `install c` failed, yet the next good command saved a state without b and
// with c, and a restart removed b's container. Real timers: the journal's file I/O runs here.

let daemon: RealTimeDaemon;
beforeEach(async () => {
  daemon = await createRealTimeDaemon(['a', 'b', 'c', 'd']);
});
afterEach(async () => {
  await daemon.cleanup();
});

const stateDir = () => daemon.stateDir;
const boot = () => daemon.boot();
const runs = (orchestrator: Orchestrator, appId: string) => daemon.reaches(orchestrator, appId, 'running');
const containersOf = (appId: string) => daemon.containersOf(appId);

async function commands(): Promise<CommandRecord[]> {
  const text = await readFile(join(stateDir(), 'journal.ndjson'), 'utf8');
  return text
    .split('\n')
    .map(parseRecord)
    .filter((record): record is CommandRecord => record?.type === 'command');
}

describe('write, then believe: an owner command that cannot be saved changes nothing, then or later', () => {
  it('uninstall b and install c fail while the state cannot be written; after it can, b stays and c never comes', async () => {
    const first = await boot();
    await first.install('a');
    await first.install('b');
    await runs(first, 'a');
    await runs(first, 'b');
    const bContainer = (await containersOf('b'))[0]!.id;

    // The state disk fails (here: its folder is replaced by a file, so nothing can be written there).
    await rename(stateDir(), `${stateDir()}.away`);
    await writeFile(stateDir(), 'not a folder');
    const uninstall = await first.uninstall('b').catch((error: unknown) => error);
    const install = await first.install('c').catch((error: unknown) => error);
    expect(uninstall).toMatchObject({
      code: 'unsaved',
      message: expect.stringMatching(/^uninstall b refused, nothing changed: cannot write .*desired\.json/),
    });
    expect(install).toMatchObject({
      code: 'unsaved',
      message: expect.stringMatching(/^install c refused, nothing changed/),
    });
    // Memory and machines are as they were: b is still installed and running, c is not installed.
    expect(first.status().find((row) => row.appId === 'b')).toMatchObject({ state: 'running', desired: 'running' });
    expect(first.status().some((row) => row.appId === 'c')).toBe(false);
    expect(first.catalog().find((app) => app.appId === 'c')!.installed).toBe(false);

    await rm(stateDir());
    await rename(`${stateDir()}.away`, stateDir());
    await first.install('d');
    await runs(first, 'd');
    const saved = JSON.parse(await readFile(join(stateDir(), 'desired.json'), 'utf8')) as {
      apps: Record<string, unknown>;
    };
    expect(Object.keys(saved.apps).sort()).toEqual(['a', 'b', 'd']);

    // The journal says what happened: refused with why, never as done.
    const said = (await commands()).map(({ appId, command, outcome }) => `${command} ${appId}: ${outcome}`);
    expect(said).toEqual([
      'install a: applied',
      'install b: applied',
      'uninstall b: refused',
      'install c: refused',
      'install d: applied',
    ]);
    expect((await first.explain('b')).text).toMatch(
      /the owner asked to uninstall it; refused, nothing changed: cannot write/,
    );

    // A restart reads the saved state: b's container is the one it had, c has none.
    await first.stop();
    const second = await boot();
    await second.reconcileNow();
    await runs(second, 'b');
    expect((await containersOf('b')).map((container) => container.id)).toEqual([bContainer]);
    expect(await containersOf('c')).toEqual([]);
  });

  it('a failed stop leaves the app running and wanted running; the next start is no change', async () => {
    const orchestrator = await boot();
    await orchestrator.install('a');
    await runs(orchestrator, 'a');
    await rename(stateDir(), `${stateDir()}.away`);
    await writeFile(stateDir(), 'not a folder');
    await expect(orchestrator.stopApp('a')).rejects.toMatchObject({ code: 'unsaved' });
    expect(orchestrator.status().find((row) => row.appId === 'a')).toMatchObject({
      state: 'running',
      desired: 'running',
    });
    expect(orchestrator.catalog().find((app) => app.appId === 'a')).toMatchObject({
      installed: true,
      desired: 'running',
    });
    await rm(stateDir());
    await rename(`${stateDir()}.away`, stateDir());
    await orchestrator.stopApp('a');
    await daemon.reaches(orchestrator, 'a', 'stopped');
  });
});
