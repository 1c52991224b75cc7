import { writeFile } from 'node:fs/promises';
import { setTimeout as realSleep } from 'node:timers/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createSimDaemon, image, useSimDaemons, type SimDaemon } from './sim-daemon.js';

// The owner's `rollback` (src/owner-commands.ts) reads what `status()` shows of the app's last
// update, not the machine's insides: refused with no verified update to go back from, or while
// an update is under way; taken after a verified one.

useSimDaemons();

const UPDATE = { snapshot: false, verify: { minHealthy: '10s', deadline: '60s' } };

async function writeVersion(daemon: SimDaemon, version: number): Promise<void> {
  await writeFile(
    join(daemon.catalogDir, 'web.yml'),
    stringify({
      app: {
        id: 'web',
        name: 'web',
        version: String(version),
        container: { image: image('httpd'), env: { V: version } },
        update: UPDATE,
      },
    }),
  );
}

const row = (daemon: SimDaemon) => daemon.orchestrator.status().find((entry) => entry.appId === 'web');

/** Moves the fake clock on until `done` (at most `fakeMs`), letting real file writes finish between steps. */
async function settles(daemon: SimDaemon, what: string, done: () => boolean, fakeMs = 120_000): Promise<void> {
  for (let elapsed = 0; elapsed < fakeMs; elapsed += 250) {
    if (done()) return;
    await realSleep(2);
    await daemon.advance(250);
  }
  throw new Error(`${what} did not happen within ${fakeMs} ms (fake): ${JSON.stringify(row(daemon))}`);
}

describe('podwarden rollback (simulated engine and clock)', () => {
  it('is refused without a verified update, and while one is under way; after it, goes back', async () => {
    const daemon = await createSimDaemon({ web: { image: image('httpd') } });
    await writeVersion(daemon, 1);
    await daemon.orchestrator.reloadCatalog();
    await daemon.orchestrator.install('web');
    await settles(daemon, 'web v1 running', () => row(daemon)?.state === 'running');
    await expect(daemon.orchestrator.rollbackApp('web')).rejects.toThrow(
      'cannot roll back "web": it has no update to go back from',
    );

    await writeVersion(daemon, 2);
    await daemon.orchestrator.reloadCatalog();
    await settles(daemon, 'web v2 on trial', () => row(daemon)?.update?.phase === 'trial');
    await expect(daemon.orchestrator.rollbackApp('web')).rejects.toThrow(
      'cannot roll back "web": its update 1 → 2 is under way (trial)',
    );

    await settles(daemon, 'web updated to v2', () => row(daemon)?.lastUpdate?.result === 'updated');
    expect(row(daemon)?.version).toBe('2');
    await daemon.orchestrator.rollbackApp('web');
    await settles(
      daemon,
      'web rolled back to v1',
      () => row(daemon)?.lastUpdate?.result === 'rolled-back' && row(daemon)?.state === 'running',
    );
    expect(row(daemon)).toMatchObject({
      version: '1',
      lastUpdate: { from: '1', to: '2', reason: 'rolled back by the owner from 1 → 2' },
    });
  });
});
