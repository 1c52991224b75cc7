import { describe, expect, it } from 'vitest';
import { REPO, unexportedPublicTypes } from './public-types.js';

// Issue 14, item 4: ManifestError, LogLine, LogOptions and PullProgress were in public
// signatures but not exported. The type checker walks every signature of both entry points.
describe('the package entry points', () => {
  it('export every named type their public signatures use', { timeout: 120_000 }, () => {
    const missing = unexportedPublicTypes(REPO, ['src/index.ts', 'src/testing.ts']);
    expect(Object.fromEntries(missing)).toEqual({});
  });
});
