import { copyFile, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LABELS } from '../../src/domain/labels.js';
import { EngineError } from '../../src/domain/engine-error.js';
import { parseRecord, type CommandRecord } from '../../src/journal/records.js';
import { until } from '../support/until.js';
import { createRealTimeDaemon, type RealTimeDaemon } from './real-time-daemon.js';

// Issue 11, "a missing desired.json wipes the node": every container with podwarden's owner
// label was removed as an orphan, though the journal beside it recorded their installs.

let daemon: RealTimeDaemon;
beforeEach(async () => {
  daemon = await createRealTimeDaemon(['a', 'b', 'c', 'd', 'x']);
});
afterEach(async () => {
  await daemon.cleanup();
});

const desiredFile = () => join(daemon.stateDir, 'desired.json');
const idsOf = async (appId: string) => (await daemon.containersOf(appId)).map((container) => container.id);

async function savedApps(): Promise<Record<string, { desired: string }>> {
  return (JSON.parse(await readFile(desiredFile(), 'utf8')) as { apps: Record<string, { desired: string }> }).apps;
}

describe('a missing desired.json never wipes the node', () => {
  it('adopts what the containers and the journal show; a recorded uninstall is still carried out', async () => {
    const first = await daemon.boot();
    for (const appId of ['a', 'b', 'c']) await first.install(appId);
    for (const appId of ['a', 'b', 'c']) await daemon.reaches(first, appId, 'running');
    await first.stopApp('b');
    await daemon.reaches(first, 'b', 'stopped');
    // c's removal fails twice (the engine refuses), so it backs off and its container outlives the uninstall.
    daemon.engine.control.failNext('remove', new EngineError('engine', 'device or resource busy'), 2);
    await first.uninstall('c');
    await until('c to back off its second failed removal', () => {
      const row = first.status().find((entry) => entry.appId === 'c');
      return row?.state === 'backoff' && row.failures === 2;
    });
    await first.stop();
    const before = { a: await idsOf('a'), b: await idsOf('b'), c: await idsOf('c') };
    expect(before.c).toHaveLength(1);

    await rm(desiredFile());
    const second = await daemon.boot();
    await daemon.reaches(second, 'a', 'running');
    await daemon.reaches(second, 'b', 'stopped');
    await until('c to be removed, as the owner asked', async () => (await daemon.containersOf('c')).length === 0);
    // Nothing recreated: the same containers, and desired.json holds what the owner last asked.
    expect(await idsOf('a')).toEqual(before.a);
    expect(await idsOf('b')).toEqual(before.b);
    expect(await savedApps()).toMatchObject({ a: { desired: 'running' }, b: { desired: 'stopped' } });
    expect(Object.keys(await savedApps()).sort()).toEqual(['a', 'b']);
    const adopts = (await readFile(join(daemon.stateDir, 'journal.ndjson'), 'utf8'))
      .split('\n')
      .map(parseRecord)
      .filter((record): record is CommandRecord => record?.type === 'command' && record.command === 'adopt');
    expect(adopts.map((record) => record.appId).sort()).toEqual(['a', 'b']);
    expect(adopts.find((record) => record.appId === 'b')!.note).toContain("the journal's last owner command was stop");
  });

  it('without a journal, a running container is adopted running and an exited one stopped', async () => {
    const first = await daemon.boot({ journal: false });
    await first.install('a');
    await first.install('b');
    await daemon.reaches(first, 'a', 'running');
    await daemon.reaches(first, 'b', 'running');
    await first.stop();
    // While podwarden is down, b's container exits (a host reboot, a crash).
    daemon.engine.control.exitProcess((await daemon.containersOf('b'))[0]!.id, 1);
    await rm(desiredFile());
    const second = await daemon.boot({ journal: false });
    await daemon.reaches(second, 'a', 'running');
    await daemon.reaches(second, 'b', 'stopped');
    expect(await savedApps()).toMatchObject({ a: { desired: 'running' }, b: { desired: 'stopped' } });
  });

  it("--prune-orphans is the owner's word to start over: nothing is adopted, every container of this instance goes", async () => {
    const first = await daemon.boot();
    await first.install('a');
    await daemon.reaches(first, 'a', 'running');
    await first.stop();
    await rm(desiredFile());
    const second = await daemon.boot({ pruneOrphans: true });
    await second.reconcileNow();
    await until("a's container to be removed", async () => (await daemon.containersOf('a')).length === 0);
    // The engine removes the container before the machine hears the step settle and stops.
    await until('a to leave the status', () => second.status().length === 0);
  });
});

describe('an owned container no installed app claims, without a recorded uninstall', () => {
  it('is left alone and listed (an older desired.json restored); `adopt` keeps it as installed', async () => {
    const first = await daemon.boot();
    await first.install('a');
    await daemon.reaches(first, 'a', 'running');
    await copyFile(desiredFile(), join(daemon.root, 'older.json'));
    await first.install('x');
    await daemon.reaches(first, 'x', 'running');
    await first.stop();
    const x = await idsOf('x');
    // The owner restores the older copy, which predates x's install; the journal with it is gone.
    await copyFile(join(daemon.root, 'older.json'), desiredFile());
    await rm(join(daemon.stateDir, 'journal.ndjson'));

    const second = await daemon.boot();
    await second.reconcileNow();
    await second.reconcileNow();
    expect(await idsOf('x')).toEqual(x);
    expect(second.status().find((row) => row.appId === 'x')).toMatchObject({
      state: 'unclaimed',
      containerId: x[0],
      reason: expect.stringContaining('`podwarden adopt x` keeps it as installed'),
    });
    expect(await second.adopt()).toEqual(['x']);
    await daemon.reaches(second, 'x', 'running');
    expect(await idsOf('x')).toEqual(x);
    expect(Object.keys(await savedApps()).sort()).toEqual(['a', 'x']);
    await expect(second.adopt(['nope'])).rejects.toMatchObject({ code: 'not-found' });
  });

  it("a foreign container carrying another instance's label is never seen", async () => {
    const first = await daemon.boot();
    await first.install('a');
    await daemon.reaches(first, 'a', 'running');
    const spec = {
      name: 'other-a',
      image: (await daemon.containersOf('a'))[0]!.image,
      env: {},
      ports: [],
      mounts: [],
      tmpfs: [],
      capAdd: [],
    };
    await daemon.engine.create({ ...spec, labels: { [LABELS.owner]: 'someone-else', [LABELS.app]: 'a' } });
    await first.reconcileNow();
    expect(first.status().filter((row) => row.appId === 'a')).toHaveLength(1);
  });
});
