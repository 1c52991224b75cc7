import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listSnapshots, recoverRestore, takeSnapshot, type DataSnapshot } from '../../src/updates/index.js';
import { until } from '../support/until.js';
import { fingerprint, randomBytesOf } from './support/data-tree.js';

// podwarden killed (-9) while it takes or restores a snapshot: after the next start's
// cleanup (listSnapshots, recoverRestore), there is a whole snapshot or none, and the data dir
// holds the old data or the restored data, never a mix, never nothing. The kill lands at a
// stage seen on disk (polled), so each run cuts at the stages it catches; the rule is checked
// whatever was caught. The copy's `cp` dies with the process (setpriv --pdeathsig).

const run = promisify(execFile);
const CHILD = path.join(import.meta.dirname, 'support', 'snapshot-child.ts');
const MiB = 1024 * 1024;

let root: string;
let dataDir: string;
let snapshotsDir: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'podwarden-snapshot-kill-'));
  dataDir = path.join(root, 'apps', 'electrs');
  snapshotsDir = path.join(root, 'snapshots');
  await mkdir(path.join(dataDir, 'blocks'), { recursive: true });
  for (let i = 0; i < 24; i++) await writeFile(path.join(dataDir, 'blocks', `blk${i}.dat`), randomBytesOf(MiB, i + 1));
  await writeFile(path.join(dataDir, 'settings.conf'), 'v1\n');
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function startChild(args: string[]): { child: ChildProcess; begun: Promise<void>; exited: Promise<void> } {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  const begun = new Promise<void>((resolve) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('begun')) resolve();
    });
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { child, begun, exited };
}

/** Kills the child (-9) once `stage` is seen on disk; resolves with whether it was (else the child ended first). */
async function killAt(args: string[], stage: () => Promise<boolean>): Promise<boolean> {
  const { child, begun, exited } = startChild(args);
  await begun;
  let ended = false;
  void exited.then(() => (ended = true));
  let caught = false;
  while (!ended) {
    if (await stage()) {
      child.kill('SIGKILL');
      caught = true;
      break;
    }
  }
  await exited;
  return caught;
}

const exists = (target: string) =>
  lstat(target).then(
    () => true,
    () => false,
  );

/** Whether a process still runs whose command line names `fragment` (a cp outliving its parent). */
async function processNaming(fragment: string): Promise<boolean> {
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(fragment)) return true;
  }
  return false;
}

describe('kill -9 during a snapshot or a restore', () => {
  it('a take cut short leaves a whole snapshot or none, and the data dir as it was', async () => {
    const before = await fingerprint(dataDir);
    const appDir = path.join(snapshotsDir, 'electrs');
    const partialHas = async (name?: string) => {
      const partial = (await readdir(appDir).catch(() => [])).find((n) => n.startsWith('.partial-'));
      return partial !== undefined && (name === undefined || (await exists(path.join(appDir, partial, name))));
    };
    const stages: Record<string, () => Promise<boolean>> = {
      'copy begun': () => partialHas(),
      'copy under way': () => partialHas('data/blocks'),
      'metadata written': () => partialHas('snapshot.json'),
    };
    const caught: string[] = [];
    for (const [name, stage] of Object.entries(stages)) {
      const options = { appId: 'electrs', version: '1', dataDir, snapshotsDir };
      if (await killAt(['take', JSON.stringify(options)], stage)) caught.push(name);
      await until('the copy to die with podwarden', async () => !(await processNaming(appDir)));
      const listed = await listSnapshots(snapshotsDir, 'electrs');
      expect(listed.length).toBeLessThanOrEqual(1);
      for (const snapshot of listed) expect(await fingerprint(path.join(snapshot.path, 'data'))).toEqual(before);
      expect((await readdir(appDir)).sort()).toEqual(listed.map((s) => path.basename(s.path)).sort());
      expect(await fingerprint(dataDir)).toEqual(before);
      await rm(appDir, { recursive: true, force: true });
    }
    console.log(`take killed at: ${caught.join(', ') || 'no stage (each finished first)'}`);
  }, 120_000);

  it('a restore cut short ends, after recoverRestore, with the old data or the restored data', async () => {
    const v1 = await fingerprint(dataDir);
    const snapshot: DataSnapshot = await takeSnapshot({ appId: 'electrs', version: '1', dataDir, snapshotsDir });
    const v2Reference = path.join(root, 'v2');
    const side = (name: string) => path.join(path.dirname(dataDir), `.electrs.${name}`);
    const stages: Record<string, () => Promise<boolean>> = {
      'copy begun': () => exists(side('restoring')),
      'copy under way': () => exists(path.join(side('restoring'), 'blocks', 'blk3.dat')),
      'copy whole': () => exists(side('restored')),
      'old data moved aside': () => exists(side('aside')),
    };
    const outcomes: string[] = [];
    for (const [name, stage] of Object.entries(stages)) {
      // The data as v2 left it: one file rewritten, one added, one removed.
      await rm(dataDir, { recursive: true, force: true });
      await rm(v2Reference, { recursive: true, force: true });
      await run('cp', ['-a', path.join(snapshot.path, 'data'), dataDir]);
      await writeFile(path.join(dataDir, 'settings.conf'), 'v2 migrated\n');
      await writeFile(path.join(dataDir, 'v2.index'), 'new');
      await rm(path.join(dataDir, 'blocks', 'blk7.dat'));
      const v2 = await fingerprint(dataDir);

      const caught = await killAt(['restore', JSON.stringify(snapshot), dataDir], stage);
      await until('the copy to die with podwarden', async () => !(await processNaming(dataDir)));
      const recovery = await recoverRestore(dataDir);
      const after = await fingerprint(dataDir);
      const which = JSON.stringify(after) === JSON.stringify(v1) ? 'restored' : 'old';
      expect(after).toEqual(which === 'restored' ? v1 : v2);
      expect((await readdir(path.dirname(dataDir))).sort()).toEqual(['electrs']);
      outcomes.push(`${caught ? name : `${name} (missed)`} → ${recovery}, ${which}`);
    }
    console.log(`restore killed at: ${outcomes.join('; ')}`);
    // The snapshot is never touched by a restore, however it ended.
    expect((await listSnapshots(snapshotsDir, 'electrs')).map((s) => s.path)).toEqual([snapshot.path]);
  }, 120_000);
});
