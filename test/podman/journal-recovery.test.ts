import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { LABELS } from '../../src/domain/labels.js';
import { parseRecord, type JournalRecord } from '../../src/journal/records.js';
import { until } from '../support/until.js';
import { daemonArgs, startDaemon } from './support/daemon.js';
import { containersWithLabel, pushUniqueTag, removeAllWithLabel } from './support/podman-cli.js';

const tag = randomBytes(3).toString('hex');
const instance = `journaltest-${tag}`;
let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pw-journal-'));
  await mkdir(join(root, 'catalog'));
});

afterAll(async () => {
  await removeAllWithLabel(LABELS.owner, instance);
  await rm(root, { recursive: true, force: true });
});

async function journal(): Promise<JournalRecord[]> {
  const text = await readFile(join(root, 'state', 'journal.ndjson'), 'utf8').catch(() => '');
  return text
    .split('\n')
    .map(parseRecord)
    .filter((record): record is JournalRecord => record !== undefined);
}

describe('intent journal: kill -9 in the middle of an install, then start again', () => {
  for (const step of ['pull', 'create'] as const) {
    it(`killed right after the ${step} intent → exactly one container, running`, async () => {
      const appId = `j${step}${tag}`;
      const ref = await pushUniqueTag('httpd');
      await writeFile(
        join(root, 'catalog', `${appId}.yml`),
        stringify({ app: { id: appId, name: 'J', version: '1', container: { image: ref } } }),
      );
      const first = startDaemon([...daemonArgs(root, instance), '--install', appId]);
      const intentOf = (records: JournalRecord[]) =>
        records.find((record) => record.type === 'intent' && record.appId === appId && record.step === step);
      // Polled as fast as the file can be read: the kill lands while the step is under way or just after.
      await until(
        () => `the ${step} intent: ${first.output()}`,
        async () => intentOf(await journal()) !== undefined,
        60_000,
      );
      first.process.kill('SIGKILL');
      await first.exited;
      const intent = intentOf(await journal())!;

      const second = startDaemon([...daemonArgs(root, instance), '--install', appId]);
      try {
        await until(
          () => `${appId} running after the restart: ${second.output()}`,
          async () => (await containersWithLabel(LABELS.app, appId)).some((container) => container.state === 'running'),
          60_000,
        );
        const containers = await containersWithLabel(LABELS.app, appId);
        expect(containers).toHaveLength(1);
        // The interrupted intent is closed: by its own outcome (the kill came after it) or by recovery.
        const outcome = (await journal()).find((record) => record.type === 'outcome' && record.intent === intent.seq);
        expect(outcome).toBeDefined();
        const closedBy =
          outcome?.type === 'outcome' && outcome.recovered
            ? `recovery: ${outcome.recovered}`
            : 'its own outcome (the kill came after it)';
        console.log(`${step} intent #${intent.seq} closed by ${closedBy}`);
        if (outcome?.type === 'outcome' && outcome.recovered) {
          expect(second.output()).toContain(`journal: ${step} of ${appId} was in flight when podwarden stopped`);
        }
      } finally {
        second.process.kill('SIGTERM');
        await second.exited;
      }
    });
  }
});
