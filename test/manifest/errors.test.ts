import { describe, expect, it } from 'vitest';
import { describeValue, formatPath, ManifestError } from '../../src/manifest/errors.js';

describe('ManifestError', () => {
  it('prints file, field path and problem', () => {
    const error = new ManifestError({
      file: 'catalog/electrs.yml',
      path: 'app.container.ports[0]',
      message: 'expected "HOST:CONTAINER[/PROTO]", got "80"',
      line: 9,
      column: 9,
    });
    expect(String(error)).toBe(
      'catalog/electrs.yml: app.container.ports[0]: expected "HOST:CONTAINER[/PROTO]", got "80"',
    );
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toBe('expected "HOST:CONTAINER[/PROTO]", got "80"');
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      file: 'catalog/electrs.yml',
      path: 'app.container.ports[0]',
      message: 'expected "HOST:CONTAINER[/PROTO]", got "80"',
      line: 9,
      column: 9,
    });
  });

  it('prints the line when there is no field path', () => {
    expect(
      String(new ManifestError({ file: 'c/x.yml', path: '', message: 'Tabs are not allowed', line: 3, column: 1 })),
    ).toBe('c/x.yml: line 3, column 1: Tabs are not allowed');
    expect(String(new ManifestError({ file: 'c/', path: '', message: 'cannot read' }))).toBe('c/: cannot read');
    expect(JSON.parse(JSON.stringify(new ManifestError({ file: 'c/', path: '', message: 'm' })))).toEqual({
      file: 'c/',
      path: '',
      message: 'm',
    });
  });
});

describe('formatPath', () => {
  it('joins names with dots and indices with brackets', () => {
    expect(formatPath([])).toBe('');
    expect(formatPath(['app', 'container', 'ports', 0, 'host'])).toBe('app.container.ports[0].host');
    expect(formatPath([0, 'a'])).toBe('[0].a');
  });

  it('quotes keys that are not plain names', () => {
    expect(formatPath(['app', 'container', 'env', 'RPC-USER'])).toBe('app.container.env["RPC-USER"]');
    expect(formatPath(['env', 'A.B'])).toBe('env["A.B"]');
    expect(formatPath(['env', '1A'])).toBe('env["1A"]');
  });
});

describe('describeValue', () => {
  it('shows scalars and only names collections', () => {
    expect(describeValue('80')).toBe('"80"');
    expect(describeValue(80)).toBe('80');
    expect(describeValue(false)).toBe('false');
    expect(describeValue(null)).toBe('an empty value');
    expect(describeValue(undefined)).toBe('nothing');
    expect(describeValue(['secret'])).toBe('a list');
    expect(describeValue({ password: 'secret' })).toBe('a mapping');
    expect(describeValue('x'.repeat(100))).toBe(`"${'x'.repeat(40)}..." (100 characters)`);
  });

  it('shows at most a short piece of a string, escaped to plain ASCII', () => {
    expect(describeValue('bitcoind')).toBe('"bitcoind"');
    // A Cyrillic "а" looks like "a": escaped, it cannot pass for it.
    expect(describeValue('\u0430pp')).toBe('"\\u0430pp"');
    expect(describeValue('a\u202Eb\u0000c\n"d')).toBe('"a\\u202eb\\u0000c\\n\\"d"');
    expect(describeValue('😀')).toBe('"\\u{1f600}"');
    expect(describeValue('x'.repeat(5_000_000))).toHaveLength(`"${'x'.repeat(40)}..." (5000000 characters)`.length);
  });
});

describe('ManifestError keeps every message short and printable', () => {
  it('escapes control characters and cuts a long message, whatever built it', () => {
    const error = new ManifestError({
      file: 'c/a.yml',
      path: 'app.name',
      message: `bad \u001b[31m${'y'.repeat(2000)}`,
    });
    expect(error.message).not.toContain('\u001b');
    expect(error.message.length).toBeLessThan(700);
  });
});
