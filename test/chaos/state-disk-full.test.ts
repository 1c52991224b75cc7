import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOURNAL_FILE } from '../../src/journal/journal.js';
import { parseJournalText } from '../../src/journal/journal-file.js';
import { image } from '../podman/support/env.js';
import { until } from '../support/until.js';
import { createChaosWorld, type ChaosWorld } from './support/chaos-world.js';
import { chaosLane } from './support/lane.js';
import { expectIntents, expectNoDuplicates } from './support/invariants.js';
import { fillDisk, mountSmallDisk, unmountLeftovers } from './support/small-disk.js';

// The state disk fills up under a running daemon (a 1 MiB tmpfs holds desired.json, the journal
// and the API socket), and is freed again. Issue 11: commands refused for a full disk took
// effect later, and a journal record cut short swallowed the next one.

let world: ChaosWorld;
let disk: Awaited<ReturnType<typeof mountSmallDisk>>;
let mountRoot: string;

beforeAll(async () => {
  await unmountLeftovers();
  mountRoot = await mkdtemp(join(tmpdir(), 'pw-chaos-disk-'));
  disk = await mountSmallDisk(join(mountRoot, 'state'), 1024 * 1024);
  world = await createChaosWorld('disk', { stateDir: disk.dir });
});

afterAll(async () => {
  await world?.cleanup();
  await disk?.unmount();
  await rm(mountRoot, { recursive: true, force: true });
});

const journalText = () => readFile(join(world.stateDir, JOURNAL_FILE), 'utf8');

describe(`a full state disk, then space again (${chaosLane().name})`, () => {
  it('refused commands change nothing, then or later; a torn journal record does not swallow the next; the answers say so', async () => {
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((name) => world.app(name)) as [string, string, string, string];
    for (const appId of [a, b, c, d]) await world.writeApp(appId, { image: image('httpd'), stopTimeout: '2s' });
    await world.start();
    expect((await world.cli('install', a)).code).toBe(0);
    expect((await world.cli('install', b)).code).toBe(0);
    const bContainer = (await world.containersOf(b))[0]!.id;
    const previousBefore = await readFile(join(world.stateDir, 'desired.previous.json'), 'utf8');

    const fill = await fillDisk(world.stateDir);
    const uninstall = await world.cli('uninstall', b);
    expect(uninstall.code).toBe(1);
    expect(uninstall.stderr).toMatch(
      new RegExp(`uninstall ${b} refused, nothing changed: cannot write .*desired\\.json: the disk is full`),
    );
    const install = await world.cli('install', c);
    expect(install.code).toBe(1);
    expect(install.stderr).toContain(`install ${c} refused, nothing changed`);

    // More refused commands, until a record no longer fits the journal's last page: cut short.
    let torn = false;
    for (let i = 0; i < 60 && !torn; i += 1) {
      const before = (await journalText()).length;
      expect((await world.cli('stop', a)).code).toBe(1);
      const text = await journalText();
      torn = !text.endsWith('\n');
      if (!torn && text.length === before) break; // the page ended exactly at a record: nothing cut short this run
    }
    console.log(
      torn
        ? 'a journal record was cut short by the full disk'
        : 'the journal page ended at a record boundary: no record was cut short this run',
    );

    // The previous copy is as it was: a save that failed replaced nothing.
    expect(await readFile(join(world.stateDir, 'desired.previous.json'), 'utf8')).toBe(previousBefore);
    const status = JSON.parse((await world.cli('status', '--json')).stdout) as Array<{
      appId: string;
      state: string;
      desired: string;
    }>;
    expect(status.map(({ appId, desired }) => `${appId} ${desired}`).sort()).toEqual([`${a} running`, `${b} running`]);

    await fill.free();
    expect((await world.cli('install', d)).code).toBe(0);
    await expectIntents(world, { [a]: 'running', [b]: 'running', [d]: 'running' });
    // The good save made the state before it the previous copy.
    const previous = JSON.parse(await readFile(join(world.stateDir, 'desired.previous.json'), 'utf8')) as {
      apps: object;
    };
    expect(Object.keys(previous.apps).sort()).toEqual([a, b].sort());

    const text = await journalText();
    const journal = parseJournalText(text);
    expect(journal.records).toContainEqual(
      expect.objectContaining({ type: 'command', appId: d, command: 'install', outcome: 'applied' }),
    );
    if (torn) {
      // The torn line alone is lost; the record after it (the install of d) is whole, on its own line.
      expect(journal.unreadableLines).toHaveLength(1);
      const after = text.split('\n')[journal.unreadableLines[0]!]!;
      expect(JSON.parse(after)).toMatchObject({ type: 'command', appId: d, command: 'install' });
      const explained = await world.cli('explain', a);
      expect(explained.stdout).toMatch(
        /History may be missing: 1 journal line could not be read \(journal\.ndjson line \d+\)/,
      );
      expect(await world.metric('podwarden_journal_unreadable_lines')).toBe(1);
    }
    expect(await world.metric('podwarden_journal_write_failures_total')).toBeGreaterThanOrEqual(torn ? 1 : 0);
    // What was refused is on record as refused (where the full disk let the journal say so), never as done.
    const commands = journal.records.filter((record) => record.type === 'command' && record.appId !== d);
    expect(
      commands
        .filter((record) => record.type === 'command' && record.outcome === 'applied')
        .map((record) => record.appId),
    ).toEqual([a, b]);

    // A restart reads what was saved: b keeps its container, c never comes.
    await world.stop();
    await world.start();
    await until(
      'a, b and d to run after the restart',
      async () => {
        const rows = JSON.parse((await world.cli('status', '--json')).stdout) as Array<{
          appId: string;
          state: string;
        }>;
        return [a, b, d].every((appId) => rows.some((row) => row.appId === appId && row.state === 'running'));
      },
      60_000,
      250,
    );
    expect((await world.containersOf(b)).map((container) => container.id)).toEqual([bContainer]);
    expect(await world.containersOf(c)).toEqual([]);
    expectNoDuplicates(await world.containers());
    await expectIntents(world, { [a]: 'running', [b]: 'running', [d]: 'running' });
  });
});
