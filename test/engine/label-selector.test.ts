import { describe, expect, it } from 'vitest';
import { hasLabels, labelFilters } from '../../src/engine/dockerode/label-selector.js';
import { LABELS } from '../../src/domain/labels.js';

describe('label selectors', () => {
  it('matches label selectors and renders them as filters', () => {
    const labels = { a: '1', b: '2' };
    expect(hasLabels(labels, { a: '1' })).toBe(true);
    expect(hasLabels(labels, { a: '1', b: '3' })).toBe(false);
    expect(hasLabels(labels, {})).toBe(true);
    expect(labelFilters({ [LABELS.owner]: 'x', b: 'y=z' })).toEqual([`${LABELS.owner}=x`, 'b=y=z']);
  });
});
