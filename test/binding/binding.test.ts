import { describe, expect, it } from 'vitest';
import {
  companionDesired,
  companionKey,
  findCycles,
  isAppReady,
  isCompanionKey,
  ownerOfKey,
  startOrder,
  waitingFor,
} from '../../machines/binding.js';

const graph = (entries: Record<string, string[]>) => new Map(Object.entries(entries));

describe('the binding rules', () => {
  it('hold a child for every dependency that is not ready, saying why', () => {
    const standing = { bitcoind: 'not-ready', electrs: 'ready' } as const;
    expect(
      waitingFor(['bitcoind', 'electrs', 'tor'], (id) => standing[id as keyof typeof standing] ?? 'not-installed'),
    ).toEqual(['bitcoind (not ready)', 'tor (not installed)']);
    expect(waitingFor(['electrs'], () => 'ready')).toEqual([]);
    expect(waitingFor([], () => 'not-ready')).toEqual([]);
  });

  it('give a companion its app’s desired state, absent once the app is gone', () => {
    expect(companionDesired('running')).toBe('running');
    expect(companionDesired('stopped')).toBe('stopped');
    expect(companionDesired('absent')).toBe('absent');
    expect(companionDesired(undefined)).toBe('absent');
    // The owner stopped the companion itself: stopped while its app runs, gone with its app.
    expect(companionDesired('running', true)).toBe('stopped');
    expect(companionDesired('stopped', true)).toBe('stopped');
    expect(companionDesired(undefined, true)).toBe('absent');
  });

  it('key companions under their app', () => {
    expect(companionKey('lnd', 'ui')).toBe('lnd/ui');
    expect(ownerOfKey('lnd/ui')).toBe('lnd');
    expect(ownerOfKey('lnd')).toBe('lnd');
    expect(isCompanionKey('lnd/ui')).toBe(true);
    expect(isCompanionKey('lnd')).toBe(false);
  });

  it('call an app ready by its own flag when it has one, else when it runs', () => {
    const snapshot = (context: object, running: boolean) => ({
      context,
      value: running ? { running: 'settling' } : 'backoff',
    });
    expect(isAppReady(snapshot({}, true))).toBe(true);
    expect(isAppReady(snapshot({}, false))).toBe(false);
    expect(isAppReady(snapshot({ ready: false }, true))).toBe(false);
    expect(isAppReady(snapshot({ ready: true }, true))).toBe(true);
  });

  it('find every cycle once, ignoring unknown dependencies', () => {
    expect(findCycles(graph({ a: ['b'], b: ['a'], c: ['c'], d: ['a', 'x'] }))).toEqual([
      ['a', 'b', 'a'],
      ['c', 'c'],
    ]);
    expect(findCycles(graph({ lnd: ['bitcoind'], electrs: ['bitcoind'], bitcoind: [] }))).toEqual([]);
  });

  it('order apps after their dependencies, the same way every time', () => {
    expect(
      startOrder(graph({ lnd: ['bitcoind'], rtl: ['lnd', 'bitcoind'], bitcoind: [], electrs: ['bitcoind', 'gone'] })),
    ).toEqual(['bitcoind', 'electrs', 'lnd', 'rtl']);
  });
});
