import { appendFile, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOURNAL_FILE } from '../../src/journal/journal.js';
import { parseJournalText } from '../../src/journal/journal-file.js';
import { image } from '../podman/support/env.js';
import { inspectJson } from '../podman/support/podman-cli.js';
import { until } from '../support/until.js';
import { createChaosWorld, type ChaosWorld } from './support/chaos-world.js';
import { chaosLane } from './support/lane.js';
import { expectIntents, expectNoDuplicates } from './support/invariants.js';

// The state files broken while podwarden is down: desired.json corrupt or missing, the journal
// torn and garbled, temp files of interrupted writes left behind. Issue 11: an unreadable
// desired.json left a daemon supervising nothing; a missing one wiped the node.

let world: ChaosWorld;
let a: string;
let b: string;
/** What each app's container was before the fault: a fault must not restart or replace them. */
const before = new Map<string, { id: string; startedAt: string }>();

beforeAll(async () => {
  world = await createChaosWorld('state');
  [a, b] = [world.app('a'), world.app('b')];
  for (const appId of [a, b]) await world.writeApp(appId, { image: image('httpd'), stopTimeout: '2s' });
  await world.start();
  expect((await world.cli('install', a)).code).toBe(0);
  expect((await world.cli('install', b)).code).toBe(0);
  await world.stop();
  for (const appId of [a, b]) {
    const seen = await inspectJson(`podwarden-${appId}`);
    before.set(appId, { id: seen.Id, startedAt: seen.State.StartedAt });
  }
});

afterAll(async () => {
  await world?.cleanup();
});

const desiredFile = () => join(world.stateDir, 'desired.json');

/** Each app's container is the one it had, running since the same moment: nothing was touched. */
async function expectContainersUntouched(): Promise<void> {
  for (const [appId, mark] of before) {
    const seen = await inspectJson(`podwarden-${appId}`);
    expect({ id: seen.Id, startedAt: seen.State.StartedAt, status: seen.State.Status }).toEqual({
      ...mark,
      status: 'running',
    });
  }
  expectNoDuplicates(await world.containers());
}

async function statusRows(): Promise<Array<{ appId: string; state: string }>> {
  return JSON.parse((await world.cli('status', '--json')).stdout) as Array<{ appId: string; state: string }>;
}

async function untilStates(expected: Record<string, string>): Promise<void> {
  await until(
    () => `states ${JSON.stringify(expected)}`,
    async () => {
      const rows = await statusRows();
      return Object.entries(expected).every(([appId, state]) =>
        rows.some((row) => row.appId === appId && row.state === state),
      );
    },
    60_000,
    250,
  );
}

describe(`broken state files at start (${chaosLane().name})`, () => {
  it('a corrupt desired.json: the daemon refuses to run, naming the file, the problem and the way out; nothing is touched', async () => {
    await writeFile(desiredFile(), '{"version":1,"apps":{"' + a);
    const refused = await world.expectRefusal();
    expect(refused.code).toBe(1);
    expect(refused.output).toContain(
      `cannot start: the desired state (which apps the owner installed) is unreadable: ${desiredFile()}: is not valid JSON`,
    );
    expect(refused.output).toContain(`cp ${join(world.stateDir, 'desired.previous.json')} ${desiredFile()}`);
    expect(refused.output).toContain(`mv ${desiredFile()} ${desiredFile()}.broken`);
    await expectContainersUntouched();
  });

  it('the way out, the previous copy: restored, it predates b, whose container is left alone until the owner adopts it', async () => {
    const previous = await readFile(join(world.stateDir, 'desired.previous.json'), 'utf8');
    await writeFile(desiredFile(), previous);
    await world.start();
    await untilStates({ [a]: 'running', [b]: 'unclaimed' });
    const adopted = await world.cli('adopt');
    expect(adopted.code).toBe(0);
    expect(adopted.stdout).toBe(`adopted: ${b}\n`);
    await untilStates({ [a]: 'running', [b]: 'running' });
    await expectIntents(world, { [a]: 'running', [b]: 'running' });
    await world.stop();
    await expectContainersUntouched();
  });

  it('a missing desired.json: the apps its containers and journal show are adopted, none removed, and the daemon says so', async () => {
    await rename(desiredFile(), `${desiredFile()}.lost`);
    await world.start();
    await untilStates({ [a]: 'running', [b]: 'running' });
    expect(world.daemon!.output()).toContain('desired.json was missing: adopted');
    await expectIntents(world, { [a]: 'running', [b]: 'running' });
    await world.stop();
    await expectContainersUntouched();
  });

  it("a torn and garbled journal and a crash's temp file: counted with line numbers, exposed, cleaned; the next record on a line of its own", async () => {
    const journalFile = join(world.stateDir, JOURNAL_FILE);
    const lines = (await readFile(journalFile, 'utf8')).split('\n').length - 1;
    await appendFile(journalFile, '\u0000\u0001 garbage\n{"seq":9999,"type":"comm');
    const leftover = '.desired.json.4242.0123456789ab.tmp';
    await writeFile(join(world.stateDir, leftover), '{"version":1,"apps":{');
    await world.start();
    expect(world.daemon!.output()).toContain(
      `2 unreadable line(s) skipped (journal.ndjson lines ${lines + 1}, ${lines + 2})`,
    );
    expect(await readdir(world.stateDir)).not.toContain(leftover);
    expect(await world.metric('podwarden_journal_unreadable_lines')).toBe(2);
    expect((await world.cli('stop', b)).code).toBe(0);
    const journal = parseJournalText(await readFile(journalFile, 'utf8'));
    expect(journal.unreadableLines).toEqual([lines + 1, lines + 2]);
    expect(journal.records).toContainEqual(
      expect.objectContaining({ type: 'command', appId: b, command: 'stop', outcome: 'applied' }),
    );
    const explained = await world.cli('explain', b);
    expect(explained.stdout).toContain(
      `History may be missing: 2 journal lines could not be read (journal.ndjson lines ${lines + 1}, ${lines + 2})`,
    );
    await untilStates({ [a]: 'running', [b]: 'stopped' });
    await expectIntents(world, { [a]: 'running', [b]: 'stopped' });
  });
});
