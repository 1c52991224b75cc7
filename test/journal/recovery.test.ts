import { describe, expect, it } from 'vitest';
import { LABELS } from '../../src/domain/labels.js';
import type { ContainerObservation } from '../../src/domain/container-observation.js';
import { recoveryVerdict, rendersCutShort, unfinishedIntents } from '../../src/journal/recovery.js';
import type { IntentRecord, JournalRecord } from '../../src/journal/records.js';

const cause = { reason: 'no container', trigger: 'pass 1' };
const intent = (seq: number, step: string, extra: Partial<IntentRecord> = {}): IntentRecord => ({
  type: 'intent',
  seq,
  at: seq,
  appId: 'web',
  step,
  cause,
  containerName: 'podwarden-web',
  image: 'reg/httpd:1',
  ...extra,
});
const container = (status: ContainerObservation['status'], owner = 'podwarden'): ContainerObservation => ({
  id: 'c1',
  name: 'podwarden-web',
  image: 'reg/httpd:1',
  status,
  health: 'none',
  labels: { [LABELS.owner]: owner },
});

describe('journal recovery', () => {
  it('finds intents without an outcome', () => {
    const records: JournalRecord[] = [
      intent(1, 'pull'),
      { type: 'outcome', seq: 2, at: 2, appId: 'web', step: 'pull', intent: 1, ok: true },
      intent(3, 'create'),
      { type: 'command', seq: 4, at: 4, appId: 'web', command: 'install' },
    ];
    expect(unfinishedIntents(records).map((record) => record.seq)).toEqual([3]);
  });

  it('a create whose container exists with our labels is adopted; otherwise the next pass creates it', () => {
    expect(
      recoveryVerdict(intent(1, 'create'), { container: container('created'), imagePresent: false }, 'podwarden'),
    ).toEqual({
      ok: true,
      containerId: 'c1',
      recovered: 'the container podwarden-web was made; adopted as it is',
    });
    expect(recoveryVerdict(intent(1, 'create'), { container: null, imagePresent: false }, 'podwarden')).toMatchObject({
      ok: false,
      recovered: 'no container was made; the next pass creates it',
    });
    // A container of that name podwarden does not own is never adopted.
    expect(
      recoveryVerdict(
        intent(1, 'create'),
        { container: container('running', 'someone-else'), imagePresent: false },
        'podwarden',
      ).ok,
    ).toBe(false);
  });

  it('a pull cut short is pulled again unless the image made it; other steps are left to the next pass', () => {
    expect(recoveryVerdict(intent(1, 'pull'), { container: null, imagePresent: true }, 'podwarden').ok).toBe(true);
    expect(recoveryVerdict(intent(1, 'pull'), { container: null, imagePresent: false }, 'podwarden')).toMatchObject({
      ok: false,
      recovered: 'image reg/httpd:1 is not present; the next pass pulls it again',
    });
    expect(
      recoveryVerdict(intent(1, 'start'), { container: container('running'), imagePresent: false }, 'podwarden').ok,
    ).toBe(true);
    expect(
      recoveryVerdict(intent(1, 'start'), { container: container('exited'), imagePresent: false }, 'podwarden').ok,
    ).toBe(false);
    expect(recoveryVerdict(intent(1, 'remove'), { container: null, imagePresent: false }, 'podwarden').ok).toBe(true);
    expect(recoveryVerdict(intent(1, 'restart'), { container: null, imagePresent: false }, 'podwarden')).toMatchObject({
      ok: false,
      recovered: 'step restart was cut short; the next pass does it again',
    });
  });

  it('a render cut short is re-rendered: the files were replaced atomically, and a running app reads them once', () => {
    const render = intent(1, 'render', { files: [{ path: 'www/index.html', change: 'values' }] });
    expect(recoveryVerdict(render, { container: null, imagePresent: false }, 'podwarden')).toEqual({
      ok: false,
      recovered:
        're-render: www/index.html was written atomically, so each holds its old or its new content, never a mix; ' +
        'the next render writes what is still old, and a running app restarts once so it reads them',
    });
    const records: JournalRecord[] = [
      intent(1, 'render', { files: [{ path: 'a.conf', change: 'created' }] }),
      { type: 'outcome', seq: 2, at: 2, appId: 'web', step: 'render', intent: 1, ok: true },
      { ...render, seq: 3 },
      intent(4, 'start'),
    ];
    expect([...rendersCutShort(records)]).toEqual([['web', [{ path: 'www/index.html', change: 'values' }]]]);
  });
});
