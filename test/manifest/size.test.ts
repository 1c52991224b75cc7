import { describe, expect, it } from 'vitest';
import { formatSize, parseSize, SizeError } from '../../src/manifest/size.js';

describe('parseSize', () => {
  it.each([
    ['2GiB', 2 * 1024 ** 3],
    ['2G', 2 * 1024 ** 3],
    ['1.5GB', 1_500_000_000],
    ['500MiB', 500 * 1024 ** 2],
    ['500 MB', 500_000_000],
    ['64k', 65_536],
    ['4096', 4096],
    [4096, 4096],
    ['1TiB', 1024 ** 4],
  ])('%s → %d bytes', (input, bytes) => {
    expect(parseSize(input)).toBe(bytes);
  });

  it.each(['', 'lots', '2 GiBs', '-1G', '1.2.3G', 'G2'])('refuses %j', (input) => {
    expect(() => parseSize(input)).toThrow(SizeError);
  });

  it('refuses negative and fractional byte numbers', () => {
    expect(() => parseSize(-1)).toThrow(SizeError);
    expect(() => parseSize(1.5)).toThrow(SizeError);
  });
});

describe('formatSize', () => {
  it.each([
    [512, '512 B'],
    [1024 ** 3, '1 GiB'],
    [1.2 * 1024 ** 3, '1.2 GiB'],
    [79 * 1024 ** 3 + 12345, '79 GiB'],
  ])('%d → %s', (bytes, text) => {
    expect(formatSize(bytes)).toBe(text);
  });
});
