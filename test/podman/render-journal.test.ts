import { randomBytes } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RERENDER_TRIGGER } from '../../machines/step-cause.js';
import { clock } from '../../src/explain/explain.js';
import { JOURNAL_FILE } from '../../src/journal/journal.js';
import { parseRecord, type IntentRecord, type JournalRecord, type OutcomeRecord } from '../../src/journal/records.js';
import { until } from '../support/until.js';
import { image } from './support/env.js';
import { createLaneDaemon, waitForState, type LaneDaemon } from './support/orchestrator-fixture.js';

/**
 * The render step in the intent journal on real podman: busybox httpd serves a page rendered
 * from a template and a secret; rotating the secret journals the rewrite (paths and why, never
 * the content), and `explain` says what happened in plain words.
 */

const PASS_MS = 1_000;
let daemon: LaneDaemon;

beforeEach(async () => {
  daemon = await createLaneDaemon();
});
afterEach(async () => {
  await daemon.cleanup();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function journal(): Promise<JournalRecord[]> {
  const text = await readFile(join(daemon.stateDir, JOURNAL_FILE), 'utf8');
  return text
    .split('\n')
    .map(parseRecord)
    .filter((record): record is JournalRecord => record !== undefined);
}
const journalBytes = async () => (await stat(join(daemon.stateDir, JOURNAL_FILE))).size;
const renders = (records: JournalRecord[]) =>
  records.filter((record): record is IntentRecord => record.type === 'intent' && record.step === 'render');
const outcomeOf = (records: JournalRecord[], intent: IntentRecord) =>
  records.find((record): record is OutcomeRecord => record.type === 'outcome' && record.intent === intent.seq);

describe('rendered files in the intent journal (real podman)', () => {
  it('a rotated value journals the rewrite and the restart, explain names them, quiet passes add nothing', async () => {
    const first = `s3cret-${randomBytes(6).toString('hex')}`;
    const second = `r0tated-${randomBytes(6).toString('hex')}`;
    const secrets = join(daemon.stateDir, 'secrets');
    await mkdir(secrets, { recursive: true });
    await writeFile(join(secrets, 'web.env'), `PASSWORD=${first}\n`);
    await daemon.writeManifest(
      'web',
      {
        image: image('httpd'),
        command: ['sh', '-c', 'trap "exit 0" TERM INT; httpd -f -p 8080 -h /www & wait'],
        volumes: ['./www:/www:ro'],
      },
      { files: [{ path: 'www/index.html', template: 'password={{PASSWORD}}\n' }], values: 'web.env' },
    );
    const orchestrator = await daemon.boot({ intervalMs: PASS_MS });
    await orchestrator.install('web');
    await waitForState(orchestrator, 'web', 'running');

    // The first start wrote the file: one render, before the start.
    const installed = await journal();
    expect(renders(installed)).toHaveLength(1);
    expect(renders(installed)[0]).toMatchObject({
      appId: 'web',
      files: [{ path: 'www/index.html', change: 'created' }],
    });
    expect(outcomeOf(installed, renders(installed)[0]!)).toMatchObject({ ok: true });
    const firstStart = installed.find((record) => record.type === 'intent' && record.step === 'start')!;
    expect(firstStart.seq).toBeGreaterThan(renders(installed)[0]!.seq);

    // Quiet passes render the same content: the journal does not grow.
    const quiet = await journalBytes();
    await sleep(3.5 * PASS_MS);
    expect(await journalBytes()).toBe(quiet);

    await writeFile(join(secrets, 'web.env'), `PASSWORD=${second}\n`);
    let rotation: IntentRecord | undefined;
    await until(
      'the rotation render and the restart in the journal',
      async () => {
        const records = await journal();
        rotation = renders(records)[1];
        // Done when the restart's start (after the rotation's render) has its outcome.
        return (
          rotation !== undefined &&
          records.some(
            (record) => record.type === 'outcome' && record.step === 'start' && record.seq > rotation!.seq && record.ok,
          )
        );
      },
      60_000,
    );
    await waitForState(orchestrator, 'web', 'running');
    const records = await journal();
    expect(rotation).toMatchObject({
      appId: 'web',
      files: [{ path: 'www/index.html', change: 'values' }],
      cause: { trigger: RERENDER_TRIGGER },
    });
    expect(outcomeOf(records, rotation!)).toMatchObject({ ok: true });
    // After the render: the restart's stop and start, then the start's pre-start render wrote nothing.
    const after = records
      .filter((record) => record.seq > rotation!.seq && record.type === 'intent')
      .map((record) => (record as IntentRecord).step);
    expect(after).toEqual(['stop', 'start']);
    expect(await readFile(join(daemon.stateDir, 'apps', 'web', 'www', 'index.html'), 'utf8')).toBe(
      `password=${second}\n`,
    );

    const text = await readFile(join(daemon.stateDir, JOURNAL_FILE), 'utf8');
    expect(text).not.toContain(first);
    expect(text).not.toContain(second);

    const explained = await orchestrator.explain('web');
    expect(explained.history).toContain(
      `Rewrote www/index.html at ${clock(rotation!.at)} because a value changed; restarted the app so it reads it.`,
    );
    expect(explained.text).not.toContain(second);

    // Quiet again: nothing more.
    const settled = await journalBytes();
    await sleep(3.5 * PASS_MS);
    expect(await journalBytes()).toBe(settled);
  });
});
