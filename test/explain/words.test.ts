import { describe, expect, it } from 'vitest';
import { appMachine } from '../../machines/app.machine.js';
import { companionUnitMachine } from '../../machines/companion-unit.machine.js';
import { explainApp, type ExplainedApp } from '../../src/explain/explain.js';
import { stateSentence } from '../../src/explain/state-words.js';
import type { JournalRecord } from '../../src/journal/records.js';

// Issue 14: explain in plain words. No machine identifiers, one error said once, grammar that
// holds for every state a machine can be in.

const at = (hms: string) => Date.parse(`2026-12-06T${hms}Z`);

/** podman's answer to a pull of a tag the registry does not have: long, and the same each time. */
const ENGINE_ERROR =
  'initializing source docker://127.0.0.1:5000/podwarden/bitcoind:99: reading manifest 99 in 127.0.0.1:5000/podwarden/bitcoind: manifest unknown: manifest unknown (the registry has no such tag)';

function failedPull(seq: number, time: string): JournalRecord[] {
  return [
    {
      type: 'intent',
      seq,
      at: at(time),
      appId: 'bitcoind',
      step: 'pull',
      image: '127.0.0.1:5000/podwarden/bitcoind:99',
      cause: { reason: 'no container', trigger: seq === 2 ? 'pass 1' : 'xstate.after.backoff.app.backoff' },
    },
    {
      type: 'outcome',
      seq: seq + 1,
      at: at(time),
      appId: 'bitcoind',
      step: 'pull',
      intent: seq,
      ok: false,
      error: ENGINE_ERROR,
    },
  ];
}

const backingOff: ExplainedApp = {
  appId: 'bitcoind',
  state: 'backoff',
  desired: 'running',
  reason: `pull failed: ${ENGINE_ERROR}`,
  failures: 4,
  failure: `image 127.0.0.1:5000/podwarden/bitcoind:99 not found: check the image name and tag in the manifest (${ENGINE_ERROR})`,
  since: at('12:00:30'),
  retryAt: at('12:00:42'),
};

/** States whose name after `is` is no English (or says nothing to an owner). */
const NOT_AFTER_IS = new Set([
  'backoff',
  'failed',
  'crashed',
  'wedged',
  'missing',
  'confirming',
  'deciding',
  'observing',
  'manifest-error',
  'unclaimed',
]);

describe('explain in plain words', () => {
  const records: JournalRecord[] = [
    { type: 'command', seq: 1, at: at('12:00:00'), appId: 'bitcoind', command: 'install' },
    ...failedPull(2, '12:00:01'),
    ...failedPull(4, '12:00:05'),
    ...failedPull(6, '12:00:13'),
    ...failedPull(8, '12:00:30'),
  ];
  const answer = explainApp(backingOff, 'bitcoind', records, undefined, at('12:00:30'));

  it('says a backoff as a sentence, with when the next try is', () => {
    expect(answer.summary).toMatch(
      /^bitcoind has been backing off since 12:00:30 UTC \(pull failed: initializing source .*\)\. Next try in 12 s, at 12:00:42 UTC\. It failed 4 times in a row; last: image 127\.0\.0\.1:5000\/podwarden\/bitcoind:99 not found: check the image name and tag in the manifest \(the same error as above\)\.$/,
    );
    expect(answer.summary).not.toMatch(/is backoff/);
  });

  it('says a repeated failure once, with a count, and the engine error once', () => {
    expect(answer.history).toEqual([
      'Tried to pull image 127.0.0.1:5000/podwarden/bitcoind:99 at 12:00:30 because it had no container (after its backoff); it failed: the same error as above; 3 times since 12:00:05.',
      'Tried to pull image 127.0.0.1:5000/podwarden/bitcoind:99 at 12:00:01 because it had no container (observed in pass 1); it failed: the same error as above.',
      'At 12:00:00 the owner installed it.',
    ]);
    expect(answer.text.split(ENGINE_ERROR)).toHaveLength(2);
  });

  it('names no machine identifiers: a step after a failed one, engine events in words', () => {
    const steps: JournalRecord[] = [
      {
        type: 'intent',
        seq: 1,
        at: at('12:00:00'),
        appId: 'web',
        step: 'create',
        containerName: 'podwarden-web',
        cause: { reason: 'no container', trigger: 'xstate.error.actor.0.app.starting' },
      },
      { type: 'outcome', seq: 2, at: at('12:00:00'), appId: 'web', step: 'create', intent: 1, ok: true },
      {
        type: 'intent',
        seq: 3,
        at: at('12:01:00'),
        appId: 'web',
        step: 'remove',
        containerId: 'c1',
        cause: { reason: 'paused outside podwarden', trigger: 'engine event pause at 2026-12-06T12:00:59.500Z' },
      },
      { type: 'outcome', seq: 4, at: at('12:01:00'), appId: 'web', step: 'remove', intent: 3, ok: true },
      {
        type: 'intent',
        seq: 5,
        at: at('12:02:00'),
        appId: 'web',
        step: 'start',
        containerId: 'c2',
        cause: {
          reason: 'exited with code 137',
          trigger: 'engine event die (exit code 137) at 2026-12-06T12:01:59.000Z',
        },
      },
      { type: 'outcome', seq: 6, at: at('12:02:00'), appId: 'web', step: 'start', intent: 5, ok: true },
    ];
    const { history, text } = explainApp(undefined, 'web', steps);
    expect(history).toEqual([
      'Started the container at 12:02:00 because its container exited with code 137 (the container stopped, exit code 137 at 12:01:59).',
      'Removed the container to recreate it at 12:01:00 because its container was paused outside podwarden (at 12:00:59).',
      'Created container podwarden-web at 12:00:00 because it had no container (after a step failed).',
    ]);
    expect(text).not.toMatch(/xstate|engine event|\d{4}-\d\d-\d\dT/);
  });

  it('has words for every state of the app and companion machines: none reads "is backoff"', () => {
    const states = [
      ...Object.keys(appMachine.config.states ?? {}),
      ...Object.keys(companionUnitMachine.config.states ?? {}),
      'manifest-error',
      'unclaimed',
    ];
    expect(states.length).toBeGreaterThan(25);
    for (const state of states) {
      for (const sentence of [stateSentence(state, undefined), stateSentence(state, '12:00:00 UTC')]) {
        expect(sentence, state).not.toMatch(/in state/);
        // `is running`, `is stopped` read well; `is backoff`, `is failed`, `is deciding` do not.
        if (NOT_AFTER_IS.has(state)) expect(sentence, state).not.toMatch(new RegExp(`^is ${state}\\b`));
      }
    }
    expect(stateSentence('running', '12:00:00 UTC')).toBe('has been running since 12:00:00 UTC');
    expect(stateSentence('pulling', '12:00:00 UTC')).toBe('is pulling its image (since 12:00:00 UTC)');
    expect(stateSentence('failed', undefined)).toBe('has failed and podwarden stopped trying');
  });
});
