import { describe, expect, it } from 'vitest';
import { age } from '../../src/cli/age.js';
import { statusTable } from '../../src/cli/commands/status.js';
import { layoutFor, renderTable, visibleLength } from '../../src/cli/table.js';
import type { AppStatus } from '../../src/orchestrator.js';

const NOW = Date.parse('2026-12-06T12:00:00Z');
const ago = (ms: number) => NOW - ms;
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

const LONG_REASON =
  'pull failed: initializing source docker://127.0.0.1:5000/podwarden/nope:1: reading manifest 1 in 127.0.0.1:5000/podwarden/nope: manifest unknown';

const rows: AppStatus[] = [
  {
    appId: 'bitcoind',
    state: 'running',
    desired: 'running',
    reason: 'running',
    failures: 0,
    ready: true,
    restarts: 0,
    since: ago(3 * HOUR + 12 * MIN),
    containerId: '0123456789abcdef0123',
    version: '27.1',
    lastUpdate: { result: 'rolled-back', from: '27.1', to: '28.0', reason: 'it crashed' },
  },
  {
    appId: 'bitcoind',
    companion: 'ui',
    state: 'backoff',
    desired: 'running',
    reason: LONG_REASON,
    failures: 4,
    failure: LONG_REASON,
    ready: false,
    restarts: 4,
    since: ago(5 * MIN),
    retryAt: NOW + 12_000,
  },
  { appId: 'electrs', state: 'stopped', desired: 'stopped', reason: 'stopped by the owner', failures: 0, restarts: 0 },
];

const plain = { width: 80, colour: false };
const lines = (text: string) => text.split('\n');

describe('AGE, as kubectl says it', () => {
  it.each([
    [0, '0s'],
    [45_000, '45s'],
    [119_000, '119s'],
    [5 * MIN, '5m'],
    [5 * MIN + 12_000, '5m12s'],
    [17 * MIN, '17m'],
    [3 * HOUR + 12 * MIN, '3h12m'],
    [20 * HOUR, '20h'],
    [2 * DAY, '2d'],
    [2 * DAY + 3 * HOUR, '2d3h'],
    [40 * DAY, '40d'],
    [3 * 365 * DAY + 10 * DAY, '3y10d'],
    [9 * 365 * DAY, '9y'],
  ])('%i ms ago is %s', (ms, words) => {
    expect(age(ago(ms), NOW)).toBe(words);
  });

  it('says - when unknown and 0s for a time a little ahead', () => {
    expect(age(undefined, NOW)).toBe('-');
    expect(age(NOW + 500, NOW)).toBe('0s');
  });
});

describe('the status table', () => {
  it('on an 80-column terminal: plain aligned columns, no line wider than 80, the reason cut with …', () => {
    const text = statusTable(rows, plain, { now: NOW });
    expect(lines(text)[0]).toBe('NAME          STATE     READY   RESTARTS   AGE     REASON');
    expect(lines(text)[1]).toBe('bitcoind      running   yes     0          3h12m   running');
    expect(lines(text)[2]).toMatch(/^bitcoind\/ui {3}backoff {3}no {6}4 {10}5m {6}next try in 12s; pull.*…$/);
    expect(lines(text)[3]).toBe('electrs       stopped   -       0          -       stopped by the owner');
    for (const line of lines(text)) expect(visibleLength(line)).toBeLessThanOrEqual(80);
    expect(text).not.toMatch(/[┌│─┼]/);
    expect(text).not.toMatch(/ \n|\s$/);
  });

  it('at 120 columns the reason keeps more of itself; -o wide keeps all of it and shows the container', () => {
    const at80 = lines(statusTable(rows, plain, { now: NOW }))[2]!;
    const at120 = lines(statusTable(rows, { width: 120, colour: false }, { now: NOW }))[2]!;
    expect(visibleLength(at120)).toBe(120);
    expect(visibleLength(at120)).toBeGreaterThan(visibleLength(at80));
    const wide = statusTable(rows, plain, { now: NOW, wide: true });
    expect(lines(wide)[0]).toBe(
      'NAME          STATE     READY   RESTARTS   AGE     VERSION                   CONTAINER      REASON',
    );
    expect(lines(wide)[1]).toContain('27.1 (28.0 rolled-back)   0123456789ab');
    expect(wide).toContain(LONG_REASON);
    expect(wide).not.toContain('…');
  });

  it('says a failure that begins with the reason once', () => {
    const killed = 'killed by SIGKILL outside podwarden (exit 137)';
    const row: AppStatus = {
      appId: 'mempool',
      state: 'backoff',
      desired: 'running',
      reason: killed,
      failures: 2,
      failure: `${killed}: podwarden starts it again; look for who stops it (podman events, cron, another tool)`,
      restarts: 2,
    };
    const text = statusTable([row], { width: Infinity, colour: false }, { now: NOW });
    expect(text.split(killed)).toHaveLength(2);
    expect(text).not.toContain('last failure');
  });

  it('not on a terminal: nothing cut, no colour (as kubectl, for grep and scripts)', () => {
    const layout = layoutFor({ isTTY: false }, {});
    expect(layout).toEqual({ width: Infinity, colour: false });
    const text = statusTable(rows, layout, { now: NOW });
    expect(text).toContain(LONG_REASON);
    expect(text).not.toContain('\u001b[');
  });

  it('colours states on a terminal, and the padding stays aligned', () => {
    const layout = layoutFor({ isTTY: true, columns: 100 }, { TERM: 'xterm' });
    expect(layout).toEqual({ width: 100, colour: true });
    const text = statusTable(rows, layout, { now: NOW });
    expect(text).toContain('bitcoind      \u001b[32mrunning\u001b[39m   yes');
    expect(text).toContain(
      'bitcoind/ui   \u001b[31mbackoff\u001b[39m   \u001b[31mno\u001b[39m      \u001b[33m4\u001b[39m',
    );
    expect(text).toContain('electrs       \u001b[2mstopped\u001b[22m   -');
    // The header is never painted; without the codes, the table is the plain one.
    expect(lines(text)[0]).not.toContain('\u001b[');
    expect(text.replace(/\u001b\[\d+m/g, '')).toBe(statusTable(rows, { width: 100, colour: false }, { now: NOW }));
  });

  it('honours NO_COLOR and TERM=dumb on a terminal; a terminal with no width reads 80, COLUMNS gives one to a pipe', () => {
    expect(layoutFor({ isTTY: true, columns: 120 }, { NO_COLOR: '1' })).toEqual({ width: 120, colour: false });
    expect(layoutFor({ isTTY: true, columns: 120 }, { NO_COLOR: '' })).toEqual({ width: 120, colour: true });
    expect(layoutFor({ isTTY: true, columns: 120 }, { TERM: 'dumb' }).colour).toBe(false);
    expect(layoutFor({ isTTY: true }, {}).width).toBe(80);
    expect(layoutFor({ isTTY: false }, { COLUMNS: '90' })).toEqual({ width: 90, colour: false });
  });
});

describe('the table layout', () => {
  const columns = [{ header: 'name' }, { header: 'image', cut: true }, { header: 'title', cut: true }];
  const row = ['web', 'registry.example.org/some/long/path/image:1.2.3', 'A web server with a long title here'];

  it('cuts the last cut column first, then the one before, each to no less than 12', () => {
    const full = renderTable(columns, [row], { width: Infinity, colour: false });
    const width = visibleLength(lines(full)[1]!);
    const shorter = lines(renderTable(columns, [row], { width: width - 10, colour: false }))[1]!;
    expect(shorter).toContain(row[1]);
    expect(shorter.endsWith('…')).toBe(true);
    const narrow = lines(renderTable(columns, [row], { width: 40, colour: false }))[1]!;
    expect(narrow).toBe('web    registry.example.…   A web serve…');
  });

  it('keeps a row on one line: newlines in a cell become spaces', () => {
    const text = renderTable([{ header: 'a' }, { header: 'b' }], [['x', 'two\nlines']], plain);
    expect(lines(text)).toEqual(['A   B', 'x   two lines']);
  });
});
