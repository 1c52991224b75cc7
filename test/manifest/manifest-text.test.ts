import { describe, expect, it } from 'vitest';
import { parseManifestBytes } from '../../src/manifest/parse-manifest.js';
import { textProblem } from '../../src/manifest/manifest-text.js';

const MANIFEST = 'app:\n  id: web\n  name: Web\n  version: "1"\n  container:\n    image: x/y:1\n';

describe('what a manifest must be before YAML sees it', () => {
  it('takes a UTF-8 byte order mark', () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(MANIFEST)]);
    expect('manifest' in parseManifestBytes(bytes, 'a.yml')).toBe(true);
  });

  it('counts nesting: 64 levels are fine, 65 are not, brackets in quotes and comments are text', () => {
    expect(textProblem(`a: ${'['.repeat(63)}${']'.repeat(63)}\n`, 'a.yml')).toBeUndefined();
    expect(String(textProblem(`a: ${'['.repeat(64)}${']'.repeat(64)}\n`, 'a.yml')?.error)).toBe(
      'a.yml: line 1: mappings and lists are nested more than 64 deep here; a manifest needs far fewer levels',
    );
    expect(
      textProblem(`a: "${'['.repeat(500)}"\n# ${'{'.repeat(500)}\nb: |\n  ${'['.repeat(500)}\n`, 'a.yml'),
    ).toBeUndefined();
  });

  it('names the line of a NUL', () => {
    expect(String(textProblem('a: 1\nb: x\0y\n', 'a.yml')?.error)).toBe(
      'a.yml: line 2: the file contains a NUL character; a manifest is text',
    );
  });
});
