/**
 * The cost of an update's data snapshot (src/updates, docs/updates.md): take (copy + verify +
 * flush) and restore of a 1 GiB data dir (800 files of 1 MiB and two of 112 MiB), beside a
 * plain `cp -a` of the same tree (alone, and followed by the same flush) as the baseline, and
 * the two ways a content check could go (compare both trees' bytes, or hash the data), all in
 * one run, ROUNDS times in turn. Part of `npm run bench:ops` (BENCH_ONLY=snapshot runs it
 * alone); BENCH_SNAPSHOT_DIR puts the trees on another file system (e.g. a btrfs or XFS mount,
 * to see reflinks). Printed, never asserted.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { compareTrees } from '../src/updates/tree-compare.js';
import { walkTree } from '../src/updates/tree-walk.js';
import { restoreSnapshot, takeSnapshot } from '../src/updates/index.js';

const run = promisify(execFile);
const MiB = 1024 * 1024;
const ROUNDS = Number(process.env.BENCH_SNAPSHOT_ROUNDS ?? 3);

async function makeTree(dir: string): Promise<number> {
  await mkdir(path.join(dir, 'blocks'), { recursive: true });
  let bytes = 0;
  for (let i = 0; i < 800; i++) {
    await writeFile(path.join(dir, 'blocks', `blk${String(i).padStart(5, '0')}.dat`), randomBytes(MiB));
    bytes += MiB;
  }
  for (const name of ['chainstate.ldb', 'index.db']) {
    const chunks = Array.from({ length: 112 }, () => randomBytes(MiB));
    await writeFile(path.join(dir, name), Buffer.concat(chunks));
    bytes += 112 * MiB;
  }
  return bytes;
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const begun = performance.now();
  await work();
  return (performance.now() - begun) / 1000;
}

async function sha256OfTree(dir: string): Promise<void> {
  for await (const entry of walkTree(dir)) {
    if (entry.type !== 'file') continue;
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(path.join(dir, entry.path), { highWaterMark: MiB })) hash.update(chunk);
    hash.digest();
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export async function snapshotCost(): Promise<void> {
  const base = process.env.BENCH_SNAPSHOT_DIR ?? '/var/tmp';
  const root = await mkdtemp(path.join(base, 'podwarden-bench-snapshot-'));
  try {
    const dataDir = path.join(root, 'apps', 'bitcoind');
    const snapshotsDir = path.join(root, 'snapshots');
    const bytes = await makeTree(dataDir);
    await run('sync', ['-f', root]);
    const times: Record<string, number[]> = {};
    const note = (name: string, seconds: number) => (times[name] ??= []).push(seconds);
    const methods = new Set<string>();
    for (let round = 0; round < ROUNDS; round++) {
      const plain = path.join(root, 'plain-copy');
      note('baseline: cp -a', await timed(() => run('cp', ['-a', dataDir, plain])));
      await rm(plain, { recursive: true });
      note(
        'baseline: cp -a + sync -f',
        await timed(async () => {
          await run('cp', ['-a', dataDir, plain]);
          await run('sync', ['-f', plain]);
        }),
      );
      note('verify: metadata of both trees (what runs)', await timed(() => compareTrees(dataDir, plain)));
      note('verify: + every byte of both trees', await timed(() => compareTrees(dataDir, plain, { content: true })));
      note('verify: sha256 of the data alone', await timed(() => sha256OfTree(dataDir)));
      await rm(plain, { recursive: true });
      let snapshot: Awaited<ReturnType<typeof takeSnapshot>> | undefined;
      note(
        'takeSnapshot (copy + verify + flush)',
        await timed(async () => {
          snapshot = await takeSnapshot({ appId: 'bitcoind', version: '1', dataDir, snapshotsDir });
        }),
      );
      methods.add(snapshot!.method);
      note('restoreSnapshot (copy + verify + flush + swap)', await timed(() => restoreSnapshot(snapshot!, dataDir)));
      await rm(snapshotsDir, { recursive: true });
    }
    const mb = bytes / 1e6;
    console.log(
      `snapshot of a ${(bytes / 1024 ** 3).toFixed(2)} GiB data dir (802 files) in ${base}, method ${[...methods].join('/')}, median of ${ROUNDS} (page cache warm):`,
    );
    for (const [name, samples] of Object.entries(times)) {
      const seconds = median(samples);
      console.log(
        `  ${name}: ${seconds.toFixed(2)} s, ${(mb / seconds).toFixed(0)} MB/s (runs: ${samples.map((s) => s.toFixed(2)).join(', ')})`,
      );
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
