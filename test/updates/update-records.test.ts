import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import * as fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { UpdateRecord } from '../../machines/update.js';
import { createUpdateRecords } from '../../src/updates/update-records.js';
import { versionSpec } from '../machines/update-harness.js';

// The update records on disk (src/updates/update-records.ts): one file per app, its folder made
// once, what cannot be read named rather than believed.

vi.mock('node:fs/promises', async (importOriginal) => {
  const original = await importOriginal<typeof import('node:fs/promises')>();
  return { ...original, mkdir: vi.fn(original.mkdir) };
});

const record = (phase: UpdateRecord['phase'] = 'preparing'): UpdateRecord => ({
  appId: 'demo',
  from: versionSpec(1),
  to: versionSpec(2),
  phase,
  done: [],
  touched: false,
});

let stateDir: string;
beforeEach(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'podwarden-records-'));
  vi.mocked(fs.mkdir).mockClear();
});
afterEach(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

describe('update records on disk', () => {
  it('makes its folder (0700) once, not at every save; each record file is 0600', async () => {
    const records = createUpdateRecords(stateDir);
    await records.save(record('preparing'));
    await records.save(record('trial'));
    await records.save({ ...record('trial'), appId: 'other' });
    expect(vi.mocked(fs.mkdir)).toHaveBeenCalledTimes(1);
    expect((await stat(join(stateDir, 'updates'))).mode & 0o777).toBe(0o700);
    expect((await stat(join(stateDir, 'updates', 'demo.json'))).mode & 0o777).toBe(0o600);
    const { records: found, problems } = await records.loadAll();
    expect(problems).toEqual([]);
    expect(found.get('demo')?.phase).toBe('trial');
    expect([...found.keys()].sort()).toEqual(['demo', 'other']);
  });

  it('makes the folder again when it went missing under it', async () => {
    const records = createUpdateRecords(stateDir);
    await records.save(record('preparing'));
    await rm(join(stateDir, 'updates'), { recursive: true });
    await records.save(record('trial'));
    expect((await records.loadAll()).records.get('demo')?.phase).toBe('trial');
  });

  it('names a record it cannot understand and leaves it out', async () => {
    const records = createUpdateRecords(stateDir);
    await records.save(record());
    await writeFile(join(stateDir, 'updates', 'broken.json'), '{"appId": "broken"');
    const { records: found, problems } = await records.loadAll();
    expect([...found.keys()]).toEqual(['demo']);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('broken.json: not valid JSON');
  });
});
