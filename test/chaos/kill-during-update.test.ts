import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { UpdateRecord } from '../../machines/update.js';
import { image } from '../podman/support/env.js';
import { inspectJson, pushUniqueTag } from '../podman/support/podman-cli.js';
import { until } from '../support/until.js';
import { createChaosWorld, type ChaosWorld } from './support/chaos-world.js';
import { expectNoDuplicates } from './support/invariants.js';
import { CHAOS_ROUNDS, chaosLane } from './support/lane.js';

// kill -9 of podwarden at each point of an update (docs/updates.md, issue 13 item 5), seen on
// disk in the app's update record. After a restart with no command, the app must be in exactly
// one of two states: v2 verified, or v1 running on the data v1 left (byte for byte). Never two
// containers, never none, never half a snapshot taken for a whole one.

/** A short window, so a good v2 is verified soon; a deadline the loaded machine cannot miss. */
const UPDATE = { strategy: 'download-then-replace', verify: { minHealthy: '3s', deadline: '120s' } };
/** No snapshot, and a window no kill can miss (the test waits for the rollback, not the window). */
const UPDATE_NO_SNAPSHOT = { ...UPDATE, snapshot: false, verify: { minHealthy: '10m', deadline: '20m' } };

/**
 * Where the kill lands: the first time the disk (the update record) or podman's list of
 * containers shows it. The record is saved when the update begins, with the snapshot, at the
 * hand-over to the new version, when a rollback starts and when it ends
 * (machines/app-updating.ts); the old container's stop is seen in podman's list.
 */
interface Seen {
  record: UpdateRecord;
  appId: string;
}
interface Point {
  name: string;
  at: (seen: Seen) => boolean | Promise<boolean>;
  /** v2 crashes at once (else it serves). */
  crashes?: boolean;
  /** The app's `update` policy, when not UPDATE. */
  update?: Record<string, unknown>;
  /** How the update must end after the restart, and the words of its reason. */
  ends?: { results: string[]; reason?: RegExp };
}
const POINTS: Point[] = [
  { name: 'the update begun (phase preparing)', at: ({ record }) => record.phase === 'preparing' },
  {
    name: 'the old container stopped',
    at: async ({ record, appId }) =>
      record.done.includes('stop') ||
      !(await world.containersOf(appId)).some((container) => container.state === 'running'),
  },
  { name: 'the snapshot taken', at: ({ record }) => record.snapshot !== undefined },
  {
    name: 'the new version on trial',
    at: ({ record }) => record.phase === 'trial',
    // Handed over on record: the new version may have run, so never `abandoned`.
    ends: { results: ['updated', 'rolled-back'] },
  },
  {
    name: 'the rollback of a crashing v2',
    at: ({ record }) => record.phase === 'rolling-back',
    crashes: true,
    ends: { results: ['rolled-back'], reason: /^the new version failed during its trial: / },
  },
  {
    // No snapshot to say the new version ran: the hand-over's record does (issue 13 item 5).
    name: 'the trial of an app without a snapshot',
    at: ({ record }) => record.phase === 'trial',
    // A window the kill cannot miss: the verdict is the rollback's, never the trial's.
    update: UPDATE_NO_SNAPSHOT,
    ends: { results: ['rolled-back'], reason: /^podwarden stopped during the update/ },
  },
];

const V1_DATABASE = 'v1 database\n';
// Serves /health from outside the data dir (the image's HEALTHCHECK asks for it), so the data
// holds only what the versions wrote.
const SERVE = 'mkdir -p /tmp/www; echo ok > /tmp/www/health; httpd -f -p 8080 -h /tmp/www & wait';

/** A version of the app: its start appends `v<n>` to /data/log, then runs `then`. */
function version(imageRef: string, n: number, then: string) {
  return {
    image: imageRef,
    command: ['sh', '-c', `trap "exit 0" TERM INT; echo v${n} >> /data/log; ${then}`],
    env: { APP_VERSION: String(n) },
    volumes: ['./data:/data'],
    stopTimeout: '2s',
  };
}

// A world per point: the next point's daemon does not supervise the apps of the ones before.
let world: ChaosWorld;

beforeEach(async () => {
  world = await createChaosWorld('upd');
});
afterEach(async () => {
  await world?.cleanup();
});

const dataDir = (appId: string) => join(world.stateDir, 'apps', appId, 'data');
const recordFile = (appId: string) => join(world.stateDir, 'updates', `${appId}.json`);

async function updateRecord(appId: string): Promise<UpdateRecord | undefined> {
  // Written atomically (rename), so a file there is always whole.
  const text = await readFile(recordFile(appId), 'utf8').catch(() => undefined);
  return text === undefined ? undefined : (JSON.parse(text) as UpdateRecord);
}

describe(`kill -9 of podwarden during an update (${chaosLane().name})`, () => {
  for (let round = 1; round <= CHAOS_ROUNDS; round += 1) {
    for (const [index, point] of POINTS.entries()) {
      it(`round ${round}: killed at ${point.name} → after a restart, one container: v2 verified, or v1 (on its own data when it was snapshotted)`, async () => {
        const appId = world.app(`u${round}p${index}`);
        await mkdir(dataDir(appId), { recursive: true });
        await writeFile(join(dataDir(appId), 'db'), V1_DATABASE);
        // Some bulk, so that copying the data (snapshot, restore) takes long enough to be killed in.
        const blob = randomBytes(64 * 1024 * 1024);
        await writeFile(join(dataDir(appId), 'blob'), blob);
        const update = point.update ?? UPDATE;
        await world.writeApp(appId, version(image('httpd'), 1, SERVE), { version: '1.0', update });
        await world.start(['--install', appId]);
        await until(
          () => `${appId} v1 running: ${world.daemon?.output()}`,
          async () => (await world.containersOf(appId)).some((container) => container.state === 'running'),
          60_000,
          250,
        );
        await until(`v1 of ${appId} to write its log`, () => existsSync(join(dataDir(appId), 'log')), 60_000, 100);
        const v1Log = await readFile(join(dataDir(appId), 'log'));

        // v2 on a tag no engine has yet: its fetch is a real registry pull, long enough to be killed in.
        // It rewrites the database (a migration), then serves, or crashes at once.
        const then = point.crashes ? 'echo migrated > /data/db; exit 1' : `echo v2 database > /data/db; ${SERVE}`;
        await world.writeApp(appId, version(await pushUniqueTag('httpd'), 2, then), { version: '2.0', update });
        world.daemon!.process.kill('SIGHUP');
        const seen = await until(
          () => `${point.name} of ${appId} in its update record: ${world.daemon?.output()}`,
          async () => {
            const record = await updateRecord(appId);
            return record !== undefined && record.result === undefined && (await point.at({ record, appId }))
              ? record
              : undefined;
          },
          120_000,
          5,
        );
        await world.crash();
        const leftBehind = await updateRecord(appId);

        await world.start();
        const ended = await until(
          () =>
            `${appId}'s update to end with one container running (killed at ${JSON.stringify(seen)}): ${world.daemon?.output()}`,
          async () => {
            const record = await updateRecord(appId);
            const running = (await world.containersOf(appId)).filter((container) => container.state === 'running');
            return record?.result !== undefined && running.length === 1 ? record : undefined;
          },
          180_000,
          250,
        );
        const containers = await world.containersOf(appId);
        expect(containers, 'the app has exactly one container').toHaveLength(1);
        expectNoDuplicates(await world.containers());
        const env = (await inspectJson(containers[0]!.id)).Config.Env;
        const log = await readFile(join(dataDir(appId), 'log'), 'utf8');
        const db = await readFile(join(dataDir(appId), 'db'), 'utf8');
        expect((await readFile(join(dataDir(appId), 'blob'))).equals(blob), 'the bulk of the data, byte for byte').toBe(
          true,
        );
        if (point.ends) expect(point.ends.results, `how it ended: ${JSON.stringify(ended)}`).toContain(ended.result);
        if (point.ends?.reason) expect(ended.reason).toMatch(point.ends.reason);
        if (point.update?.snapshot === false) {
          // Nothing to restore: v1 runs again on the data as the new version left it.
          expect(env).toContain('APP_VERSION=1');
          expect(ended.snapshot).toBeUndefined();
          expect(log.startsWith(v1Log.toString('utf8'))).toBe(true);
        } else if (ended.result === 'updated') {
          expect(point.crashes, 'a v2 that crashes at once is never verified').toBeFalsy();
          expect(env).toContain('APP_VERSION=2');
          expect(db).toBe('v2 database\n');
        } else {
          expect(['rolled-back', 'abandoned']).toContain(ended.result);
          expect(env).toContain('APP_VERSION=1');
          // The data as v1 left it: the database byte for byte, the log v1's plus v1's restarts only.
          expect(db).toBe(V1_DATABASE);
          expect(log.startsWith(v1Log.toString('utf8'))).toBe(true);
          expect(log).toMatch(/^(v1\n)+$/);
        }
        // A snapshot is whole or it is not listed: the record points at a whole one, and every
        // snapshot folder left in place has its metadata.
        expect(ended.snapshot?.path ?? '').not.toContain('.partial-');
        const snapshots = join(world.stateDir, 'snapshots', appId);
        const folders = (await readdir(snapshots).catch(() => [] as string[])).filter((name) => !name.startsWith('.'));
        for (const folder of folders) expect(existsSync(join(snapshots, folder, 'snapshot.json')), folder).toBe(true);
        if (ended.snapshot) expect(existsSync(join(ended.snapshot.path, 'snapshot.json'))).toBe(true);
        // Said for the report: where the kill really landed (the record may have moved on in the meantime).
        console.log(
          `${point.name}: killed with phase ${leftBehind?.phase}, done [${leftBehind?.done.join(', ')}], snapshot ${
            leftBehind?.snapshot ? 'taken' : 'none'
          } → ${ended.result}${ended.reason ? ` (${ended.reason})` : ''}`,
        );
        await world.stop();
      });
    }
  }
});
