import { describe, expect, it } from 'vitest';
import { updateStory } from '../../src/explain/update-story.js';

const AT = Date.UTC(2026, 11, 6, 12, 0, 3);

describe("explain's update story", () => {
  it('says an update under way, and how the last one ended and why, in plain words', () => {
    expect(updateStory('web', { update: { phase: 'trial', from: '1.0', to: '2.0' } })).toBe(
      'It is being updated from 1.0 to 2.0.',
    );
    expect(updateStory('web', { lastUpdate: { result: 'updated', from: '1.0', to: '2.0', endedAt: AT } })).toBe(
      'Updated 1.0 → 2.0 at 12:00:03 UTC.',
    );
    expect(
      updateStory('web', {
        lastUpdate: {
          result: 'rolled-back',
          from: '1.0',
          to: '2.0',
          endedAt: AT,
          reason: 'the new version failed during its trial: exited with code 1',
          restored: true,
        },
      }),
    ).toBe(
      'Rolled back 1.0 → 2.0 at 12:00:03 UTC because the new version failed during its trial: exited with code 1; ' +
        'data restored from the snapshot. 2.0 is not tried again until the owner runs `podwarden update web`.',
    );
    expect(
      updateStory('web', {
        lastUpdate: { result: 'abandoned', from: '1.0', to: '2.0', reason: 'the data snapshot failed: no space' },
      }),
    ).toBe(
      'Abandoned the update 1.0 → 2.0 because the data snapshot failed: no space. 2.0 is not tried again until the owner runs `podwarden update web`.',
    );
  });
});
