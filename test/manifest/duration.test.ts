import { describe, expect, it } from 'vitest';
import { DurationError, formatDuration, parseDuration } from '../../src/manifest/duration.js';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['10s', 10_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1m30s', 90_000],
    ['1h2m3s4ms', 3_723_004],
    ['1.5s', 1_500],
    ['0s', 0],
    [' 10s ', 10_000],
    ['30', 30_000],
    ['0.25', 250],
  ])('reads %j as %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it('reads a plain number as seconds', () => {
    expect(parseDuration(10)).toBe(10_000);
    expect(parseDuration(0.5)).toBe(500);
    expect(parseDuration(0)).toBe(0);
  });

  it.each(['', 'abc', '10 s', '10sec', '1d', '-5s', '5s-', 's', '1m30', '10S', '1.s'])(
    'refuses %j with a message naming it',
    (text) => {
      expect(() => parseDuration(text)).toThrow(DurationError);
      expect(() => parseDuration(text)).toThrow(`invalid duration ${JSON.stringify(text)}`);
      expect(() => parseDuration(text)).toThrow('use a number with a unit');
    },
  );

  it('refuses units out of order or repeated', () => {
    expect(() => parseDuration('30s1m')).toThrow('largest to smallest');
    expect(() => parseDuration('1s1s')).toThrow('largest to smallest');
    expect(() => parseDuration('5ms1s')).toThrow('largest to smallest');
  });

  it('refuses negative, infinite and absurd numbers', () => {
    expect(() => parseDuration(-1)).toThrow('invalid duration -1');
    expect(() => parseDuration(Number.NaN)).toThrow(DurationError);
    expect(() => parseDuration(Number.POSITIVE_INFINITY)).toThrow(DurationError);
    expect(() => parseDuration('9'.repeat(30) + 'h')).toThrow('too large');
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [500, '500ms'],
    [1_500, '1s500ms'],
    [90_000, '1m30s'],
    [3_600_000, '1h'],
  ])('writes %i ms as %j', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
    expect(parseDuration(text)).toBe(ms);
  });
});
