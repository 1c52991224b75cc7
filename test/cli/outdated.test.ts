import { describe, expect, it } from 'vitest';
import { outdatedApps } from '../../src/cli/commands/outdated.js';
import type { AppStatus, CatalogApp } from '../../src/orchestrator.js';

const row = (appId: string, version: string, extra: Partial<AppStatus> = {}): AppStatus => ({
  appId,
  state: 'running',
  desired: 'running',
  reason: 'running',
  failures: 0,
  version,
  ...extra,
});
const offer = (appId: string, version: string, installed = true): CatalogApp => ({
  appId,
  name: appId,
  version,
  image: 'x',
  file: `${appId}.yml`,
  installed,
});

describe('podwarden outdated', () => {
  it('lists installed apps whose catalog offers another version, and why they do not run it', () => {
    const rows = [
      row('same', '1.0'),
      row('newer', '1.0'),
      row('rejected', '1.0', {
        lastUpdate: {
          result: 'rolled-back',
          from: '1.0',
          to: '2.0',
          reason: 'the new version failed during its trial',
        },
      }),
      row('busy', '1.0', { update: { phase: 'trial', from: '1.0', to: '2.0' } }),
      row('web', '1.0', { companion: 'ui' }),
    ];
    const catalog = [
      offer('same', '1.0'),
      offer('newer', '2.0'),
      offer('rejected', '2.0'),
      offer('busy', '2.0'),
      offer('web', '2.0'),
      offer('other', '3.0', false),
    ];
    expect(outdatedApps(rows, catalog)).toEqual([
      { appId: 'newer', running: '1.0', offered: '2.0', note: 'podwarden update newer' },
      {
        appId: 'rejected',
        running: '1.0',
        offered: '2.0',
        note: 'rolled-back: the new version failed during its trial (podwarden update rejected tries again)',
      },
      { appId: 'busy', running: '1.0', offered: '2.0', note: 'update to 2.0 under way' },
    ]);
  });
});
