import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOURNAL_FILE } from '../../src/journal/journal.js';
import { parseJournalText } from '../../src/journal/journal-file.js';
import type { JournalRecord } from '../../src/journal/records.js';
import { unfinishedIntents } from '../../src/journal/recovery.js';
import { pushUniqueTag } from '../podman/support/podman-cli.js';
import { until } from '../support/until.js';
import { createChaosWorld, type ChaosWorld } from './support/chaos-world.js';
import { expectNoDuplicates } from './support/invariants.js';
import { CHAOS_ROUNDS, chaosLane } from './support/lane.js';

// kill -9 of podwarden at each step of an install: once the owner's command is saved, and
// once each step (pull from the registry, create, start) has its intent in the journal. The
// restarted daemon gets no --install: desired.json alone must carry the owner's intent.

/** Where the kill lands: when this record of the app appears in the journal. */
const STEPS: Array<{ name: string; at: (record: JournalRecord) => boolean }> = [
  { name: 'the install saved', at: (record) => record.type === 'command' && record.command === 'install' },
  { name: 'the pull intent', at: (record) => record.type === 'intent' && record.step === 'pull' },
  { name: 'the create intent', at: (record) => record.type === 'intent' && record.step === 'create' },
  { name: 'the start intent', at: (record) => record.type === 'intent' && record.step === 'start' },
];

let world: ChaosWorld;
const installed: Record<string, 'running'> = {};

beforeAll(async () => {
  world = await createChaosWorld('kill');
});
afterAll(async () => {
  await world?.cleanup();
});

async function journal(): Promise<JournalRecord[]> {
  const text = await readFile(join(world.stateDir, JOURNAL_FILE), 'utf8').catch(() => '');
  return parseJournalText(text).records;
}

describe(`kill -9 of podwarden at each step of an install (${chaosLane().name})`, () => {
  for (let round = 1; round <= CHAOS_ROUNDS; round += 1) {
    for (const [index, step] of STEPS.entries()) {
      it(`round ${round}: killed at ${step.name} → after a restart, one container, running, and the intent kept`, async () => {
        const appId = world.app(`k${round}s${index}`);
        // A tag no engine has yet: the pull is a real registry pull, long enough to be killed in.
        await world.writeApp(appId, { image: await pushUniqueTag('httpd'), stopTimeout: '2s' });
        await world.start();
        // The owner's install, as a separate client; it loses its daemon mid-way.
        const client = spawn(
          process.execPath,
          ['--import', 'tsx', 'src/cli/main.ts', 'install', appId, '--socket', join(world.stateDir, 'podwarden.sock')],
          { stdio: 'ignore' },
        );
        const clientDone = new Promise<number | null>((resolve) => client.once('exit', (code) => resolve(code)));
        const clientTimer = setTimeout(() => client.kill('SIGKILL'), 60_000);
        void clientDone.then(() => clearTimeout(clientTimer));
        await until(
          () => `${step.name} of ${appId} in the journal: ${world.daemon?.output()}`,
          async () => (await journal()).some((record) => record.appId === appId && step.at(record)),
          60_000,
          5,
        );
        await world.crash();
        // The client says its daemon went away, exit 3 (it used to wait for its --timeout, 10 min),
        // unless the app ran before the kill landed (exit 0).
        expect([0, 3]).toContain(await clientDone);

        await world.start();
        await until(
          () => `${appId} running after the restart: ${world.daemon?.output()}`,
          async () => (await world.containersOf(appId)).some((container) => container.state === 'running'),
          60_000,
          250,
        );
        installed[appId] = 'running';
        expect(await world.containersOf(appId)).toHaveLength(1);
        expectNoDuplicates(await world.containers());
        expect(await world.desired()).toEqual(installed);
        // Recovery closed every intent the kill left open; the install is on record once.
        const records = await journal();
        expect(
          unfinishedIntents(records).filter((intent) => intent.appId === appId && intent.step !== 'start'),
        ).toEqual([]);
        expect(records.filter((record) => record.type === 'command' && record.appId === appId)).toHaveLength(1);
        await world.stop();
      });
    }
  }
});
