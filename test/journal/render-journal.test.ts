import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createActor, toPromise } from 'xstate';
import type { AppSpec, RenderSpec } from '../../machines/types.js';
import { RERENDER_TRIGGER } from '../../machines/step-cause.js';
import { createAppEffects, CUT_SHORT_RENDER_REASON } from '../../src/effects/app-effects.js';
import { createSimulatedEngine } from '../../src/engine/simulator/simulator.js';
import { createJournal, JOURNAL_FILE, type Journal } from '../../src/journal/journal.js';
import type { IntentRecord, JournaledFile, JournalRecord } from '../../src/journal/records.js';
import { rendersCutShort } from '../../src/journal/recovery.js';
import { silentLogger } from '../../src/log.js';

const SECRET = 'first-s3cret';
const ROTATED = 'rotated-s3cret';
const FIRST_START = { reason: 'no container', trigger: 'previous step done' };
const PASS = { reason: 'running', trigger: RERENDER_TRIGGER };

let root: string;
let journal: Journal;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'podwarden-render-journal-'));
  await mkdir(join(root, 'secrets'));
  await writeFile(join(root, 'secrets', 'web.env'), `PASSWORD=${SECRET}\n`);
  journal = createJournal({ dir: join(root, 'state'), logger: silentLogger() });
  await journal.open();
});
afterEach(async () => {
  await journal.close();
  await rm(root, { recursive: true, force: true });
});

function spec(template = 'password={{PASSWORD}}\n'): AppSpec {
  const render: RenderSpec = {
    manifestFile: join(root, 'catalog', 'web.yml'),
    dataDir: join(root, 'apps', 'web'),
    files: [{ path: 'www/index.html', template }],
    valuesFile: join(root, 'secrets', 'web.env'),
  };
  return { appId: 'web', render } as AppSpec;
}

function effects(cutShort?: Map<string, JournaledFile[]>) {
  return createAppEffects(createSimulatedEngine(), {
    logger: silentLogger(),
    insecureRegistries: [],
    journal,
    ...(cutShort ? { rendersCutShort: cutShort } : {}),
  });
}

async function render(actors: ReturnType<typeof effects>, input: { spec: AppSpec; cause?: IntentRecord['cause'] }) {
  return toPromise(createActor(actors.renderFiles, { input }).start());
}

const journalBytes = async () => (await stat(join(root, 'state', JOURNAL_FILE))).size;
const renderIntents = (records: JournalRecord[]) =>
  records.filter((record): record is IntentRecord => record.type === 'intent' && record.step === 'render');

describe('the render step in the intent journal', () => {
  it('journals the first render with its cause and the file path, then an outcome; never the content or a value', async () => {
    const actors = effects();
    expect(await render(actors, { spec: spec(), cause: FIRST_START })).toMatchObject({ changed: true });
    const records = await journal.read();
    expect(records).toEqual([
      {
        type: 'intent',
        seq: 1,
        at: expect.any(Number),
        appId: 'web',
        step: 'render',
        files: [{ path: 'www/index.html', change: 'created' }],
        cause: FIRST_START,
      },
      { type: 'outcome', seq: 2, at: expect.any(Number), appId: 'web', step: 'render', intent: 1, ok: true },
    ]);
    expect(await readFile(join(root, 'state', JOURNAL_FILE), 'utf8')).not.toContain(SECRET);
  });

  it('a quiet pass renders the same content and writes nothing to the journal', async () => {
    const actors = effects();
    await render(actors, { spec: spec(), cause: FIRST_START });
    const before = await journalBytes();
    for (let pass = 0; pass < 5; pass++) {
      expect(await render(actors, { spec: spec(), cause: PASS })).toMatchObject({ changed: false });
    }
    expect(await journalBytes()).toBe(before);
    expect(await journal.read()).toHaveLength(2);
  });

  it('names why a file changes: a rotated value, a new template, or (first render since podwarden started) either', async () => {
    const actors = effects();
    await render(actors, { spec: spec(), cause: FIRST_START });
    await writeFile(join(root, 'secrets', 'web.env'), `PASSWORD=${ROTATED}\n`);
    expect(await render(actors, { spec: spec(), cause: PASS })).toMatchObject({ changed: true });
    await render(actors, { spec: spec('pw={{PASSWORD}}\n'), cause: PASS });
    // Another podwarden (a restart) has no memory of the template the file was rendered from.
    await writeFile(join(root, 'secrets', 'web.env'), `PASSWORD=${SECRET}\n`);
    await render(effects(), { spec: spec('pw={{PASSWORD}}\n'), cause: PASS });
    const intents = renderIntents(await journal.read());
    expect(intents.map((intent) => intent.files)).toEqual([
      [{ path: 'www/index.html', change: 'created' }],
      [{ path: 'www/index.html', change: 'values' }],
      [{ path: 'www/index.html', change: 'template' }],
      [{ path: 'www/index.html', change: 'content' }],
    ]);
    expect(intents.map((intent) => intent.cause)).toEqual([FIRST_START, PASS, PASS, PASS]);
    const text = await readFile(join(root, 'state', JOURNAL_FILE), 'utf8');
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(ROTATED);
  });

  it('a render that fails before writing journals nothing; one that fails while writing journals the failure', async () => {
    const actors = effects();
    await expect(render(actors, { spec: spec('{{MISSING}}'), cause: FIRST_START })).rejects.toThrow(/MISSING/);
    expect(await journal.read()).toEqual([]);
    // A folder where the file goes: the write fails after the intent.
    await mkdir(join(root, 'apps', 'web', 'www', 'index.html'), { recursive: true });
    await expect(render(actors, { spec: spec(), cause: FIRST_START })).rejects.toThrow(/app\.files\[0\]\.path/);
    const records = await journal.read();
    expect(records.map((record) => record.type)).toEqual(['intent', 'outcome']);
    expect(records[1]).toMatchObject({ type: 'outcome', step: 'render', intent: records[0]!.seq, ok: false });
  });

  it('after a crash mid-render the journal names the files in flight; recovery is a re-render that makes the app read them once', async () => {
    const actors = effects();
    await render(actors, { spec: spec(), cause: FIRST_START });
    // A crash between the rotated file's write and the render's outcome: the intent stays open.
    await writeFile(join(root, 'secrets', 'web.env'), `PASSWORD=${ROTATED}\n`);
    await journal.append({
      type: 'intent',
      at: Date.now(),
      appId: 'web',
      step: 'render',
      files: [{ path: 'www/index.html', change: 'values' }],
      cause: PASS,
    });
    await render(createAppEffects(createSimulatedEngine(), { logger: silentLogger(), insecureRegistries: [] }), {
      spec: spec(),
    });
    const cut = rendersCutShort(await journal.read());
    expect([...cut]).toEqual([['web', [{ path: 'www/index.html', change: 'values' }]]]);

    // The next podwarden finds the file already new: nothing to write, but the running app has not read it.
    const after = effects(cut);
    expect(await render(after, { spec: spec(), cause: PASS })).toMatchObject({ changed: true });
    expect(cut.has('web')).toBe(false);
    expect(await render(after, { spec: spec(), cause: PASS })).toMatchObject({ changed: false });
    const last = renderIntents(await journal.read()).at(-1)!;
    expect(last).toMatchObject({
      files: [{ path: 'www/index.html', change: 'unread' }],
      cause: { reason: CUT_SHORT_RENDER_REASON, trigger: RERENDER_TRIGGER },
    });
  });
});
