import { describe, expect, it } from 'vitest';
import { RERENDER_TRIGGER } from '../../machines/step-cause.js';
import { explainApp } from '../../src/explain/explain.js';
import type { JournalRecord } from '../../src/journal/records.js';

const at = (hms: string) => Date.parse(`2026-11-24T${hms}Z`);

describe('explain wording', () => {
  it('says where the app is, since when, and what podwarden did, newest first', () => {
    const records: JournalRecord[] = [
      { type: 'command', seq: 1, at: at('12:00:00'), appId: 'web', command: 'install' },
      {
        type: 'intent',
        seq: 2,
        at: at('12:01:00'),
        appId: 'web',
        step: 'start',
        containerId: 'c1',
        cause: { reason: 'no container', trigger: 'pass 1' },
      },
      { type: 'outcome', seq: 3, at: at('12:01:00'), appId: 'web', step: 'start', intent: 2, ok: true },
      {
        type: 'intent',
        seq: 4,
        at: at('12:03:04'),
        appId: 'web',
        step: 'remove',
        containerId: 'c1',
        cause: { reason: 'paused outside podwarden', trigger: 'pass 17' },
      },
      { type: 'outcome', seq: 5, at: at('12:03:04'), appId: 'web', step: 'remove', intent: 4, ok: true },
      {
        type: 'intent',
        seq: 6,
        at: at('12:03:05'),
        appId: 'web',
        step: 'create',
        containerName: 'podwarden-web',
        cause: { reason: 'no container', trigger: 'previous step done' },
      },
      {
        type: 'outcome',
        seq: 7,
        at: at('12:03:05'),
        appId: 'web',
        step: 'create',
        intent: 6,
        ok: false,
        error: 'image not known',
      },
      {
        type: 'intent',
        seq: 8,
        at: at('12:04:00'),
        appId: 'other',
        step: 'start',
        cause: { reason: 'x', trigger: 'pass 2' },
      },
    ];
    const answer = explainApp(
      {
        appId: 'web',
        state: 'backoff',
        desired: 'running',
        reason: 'create failed: image not known',
        failures: 1,
        failure: 'create failed: image not known',
        since: at('12:03:05'),
      },
      'web',
      records,
    );
    expect(answer.summary).toBe(
      'web has been backing off since 12:03:05 UTC (create failed: image not known). It failed once.',
    );
    expect(answer.history).toEqual([
      'Tried to create container podwarden-web at 12:03:05, continuing (it had no container); it failed: image not known.',
      'Removed the container to recreate it at 12:03:04 because its container was paused outside podwarden (observed in pass 17).',
      'Started the container at 12:01:00 because it had no container (observed in pass 1).',
      'At 12:00:00 the owner installed it.',
    ]);
    expect(answer.text).toContain('Before that: removed the container to recreate it at 12:03:04');
  });

  it('marks steps a crash cut short, and intents still in flight', () => {
    const records: JournalRecord[] = [
      {
        type: 'intent',
        seq: 1,
        at: at('09:00:00'),
        appId: 'web',
        step: 'create',
        containerName: 'podwarden-web',
        cause: { reason: 'no container', trigger: 'pass 1' },
      },
      {
        type: 'outcome',
        seq: 2,
        at: at('09:00:09'),
        appId: 'web',
        step: 'create',
        intent: 1,
        ok: true,
        recovered: 'the container podwarden-web was made; adopted as it is',
      },
      {
        type: 'intent',
        seq: 3,
        at: at('09:00:10'),
        appId: 'web',
        step: 'pull',
        image: 'reg/big:1',
        cause: { reason: 'no container', trigger: 'engine event remove at 2026-11-24T09:00:10.000Z' },
      },
    ];
    const answer = explainApp(undefined, 'web', records);
    expect(answer.summary).toBe('web is not installed.');
    expect(answer.history[0]).toBe(
      'Since 09:00:10 it is trying to pull image reg/big:1 because it had no container (the container was removed outside podwarden at 09:00:10).',
    );
    expect(answer.history[1]).toContain(
      '(podwarden was stopped during it; afterwards: the container podwarden-web was made; adopted as it is)',
    );
  });

  it('names rendered files, why they changed, and the restart that made the app read them; never a value', () => {
    const pass = { reason: 'running', trigger: RERENDER_TRIGGER };
    const records: JournalRecord[] = [
      {
        type: 'intent',
        seq: 1,
        at: at('12:00:01'),
        appId: 'web',
        step: 'render',
        files: [{ path: 'www/index.html', change: 'created' }],
        cause: { reason: 'no container', trigger: 'previous step done' },
      },
      { type: 'outcome', seq: 2, at: at('12:00:01'), appId: 'web', step: 'render', intent: 1, ok: true },
      {
        type: 'intent',
        seq: 3,
        at: at('12:03:04'),
        appId: 'web',
        step: 'render',
        files: [{ path: 'www/index.html', change: 'values' }],
        cause: pass,
      },
      { type: 'outcome', seq: 4, at: at('12:03:04'), appId: 'web', step: 'render', intent: 3, ok: true },
      {
        type: 'intent',
        seq: 5,
        at: at('12:05:00'),
        appId: 'web',
        step: 'render',
        files: [
          { path: 'a.conf', change: 'template' },
          { path: 'b.conf', change: 'values' },
        ],
        cause: pass,
      },
      {
        type: 'outcome',
        seq: 6,
        at: at('12:05:00'),
        appId: 'web',
        step: 'render',
        intent: 5,
        ok: false,
        error: 'cannot write a.conf: the disk is full (no space left on device)',
      },
      {
        type: 'intent',
        seq: 7,
        at: at('12:06:00'),
        appId: 'web',
        step: 'render',
        files: [{ path: 'www/index.html', change: 'values' }],
        cause: pass,
      },
      {
        type: 'outcome',
        seq: 8,
        at: at('12:07:00'),
        appId: 'web',
        step: 'render',
        intent: 7,
        ok: false,
        recovered: 're-render: www/index.html was written atomically',
      },
      {
        type: 'intent',
        seq: 9,
        at: at('12:07:01'),
        appId: 'web',
        step: 'render',
        files: [{ path: 'www/index.html', change: 'unread' }],
        cause: pass,
      },
      { type: 'outcome', seq: 10, at: at('12:07:01'), appId: 'web', step: 'render', intent: 9, ok: true },
      {
        type: 'intent',
        seq: 11,
        at: at('12:08:00'),
        appId: 'web',
        step: 'render',
        files: [{ path: 'www/index.html', change: 'content' }],
        cause: pass,
      },
    ];
    expect(explainApp(undefined, 'web', records).history).toEqual([
      'Since 12:08:00 it is writing www/index.html because it no longer matched its template and values.',
      'At 12:07:01 www/index.html may have been written just before podwarden stopped, unread by the app; restarted the app so it reads them.',
      'Began to write www/index.html at 12:06:00 because a value changed (podwarden was stopped during it; afterwards: re-render: www/index.html was written atomically).',
      'Tried to write a.conf and b.conf at 12:05:00 because its template changed and a value changed; it failed: cannot write a.conf: the disk is full (no space left on device); the app keeps running with the files it has.',
      'Rewrote www/index.html at 12:03:04 because a value changed; restarted the app so it reads it.',
      'Wrote www/index.html at 12:00:01 because it did not exist yet, before starting the container (it had no container).',
    ]);
  });
});
