import { describe, expect, it } from 'vitest';
import { digestOutdated, outdatedApps } from '../../src/cli/commands/outdated.js';
import type { DigestOffer } from '../../src/registry/digest-offer.js';
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

describe('podwarden outdated: same tag, new digest', () => {
  const A = `sha256:${'a'.repeat(64)}`;
  const B = `sha256:${'b'.repeat(64)}`;
  const offerOf = (appId: string, extra: Partial<DigestOffer>): DigestOffer => ({
    appId,
    image: `127.0.0.1:5000/${appId}:1`,
    newer: false,
    ...extra,
  });

  it('lists an app whose registry serves another image behind its tag with both digests, and one it could not ask with why', () => {
    const rows = [row('web', '1.0'), row('db', '2.0'), row('same', '1.0'), row('listed', '1.0')];
    const offers = [
      offerOf('web', { running: A, offered: B, newer: true, runningImageId: 'sha256:1' }),
      offerOf('db', {
        problem: 'registry 127.0.0.1:5000 (image 127.0.0.1:5000/db:1) cannot be reached: connection refused',
      }),
      offerOf('same', { running: A, offered: A }),
      offerOf('listed', { running: A, offered: B, newer: true }),
    ];
    expect(digestOutdated(rows, offers, new Set(['listed']))).toEqual([
      {
        appId: 'web',
        running: '1.0 sha256:aaaaaaaaaaaa',
        offered: '1.0 sha256:bbbbbbbbbbbb',
        note: 'same tag, new image: podwarden update web',
        runningDigest: A,
        offeredDigest: B,
      },
      {
        appId: 'db',
        running: '2.0',
        offered: '?',
        note: 'registry not asked: registry 127.0.0.1:5000 (image 127.0.0.1:5000/db:1) cannot be reached: connection refused',
      },
    ]);
  });
});
