import { execFile } from 'node:child_process';
import { chmod, chown, mkdtemp, rm, symlink, unlink, utimes, writeFile, link } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compareTrees, treeDigest } from '../../src/updates/tree-compare.js';
import { makeDataTree } from './support/data-tree.js';

const run = promisify(execFile);

let root: string;
let source: string;
let copy: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'podwarden-tree-compare-'));
  source = path.join(root, 'source');
  copy = path.join(root, 'copy');
  await run('mkdir', [source]);
  await makeDataTree(source);
  await run('cp', ['-a', source, copy]);
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const differenceAfter = async (change: () => Promise<unknown>, content = false) => {
  await change();
  return (await compareTrees(source, copy, { content })).difference;
};

describe('compareTrees: the verification of a copy', () => {
  it('finds a cp -a copy faithful, with the digest of the source', async () => {
    const comparison = await compareTrees(source, copy, { content: true });
    expect(comparison.difference).toBeUndefined();
    expect(comparison.digest).toBe(await treeDigest(source));
    expect(comparison.digest).toBe(await treeDigest(copy));
  });

  it('names the first difference in words: missing, extra, mode, owner, size, time, link target, hard link', async () => {
    expect(await differenceAfter(() => unlink(path.join(copy, 'secret.key')))).toBe(
      'file secret.key is missing from the copy',
    );
    await run('cp', ['-a', path.join(source, 'secret.key'), path.join(copy, 'secret.key')]);
    expect(await differenceAfter(() => writeFile(path.join(copy, 'zzz-extra'), 'x'))).toBe(
      'file zzz-extra is extra in the copy',
    );
    await unlink(path.join(copy, 'zzz-extra'));
    expect(await differenceAfter(() => chmod(path.join(copy, 'secret.key'), 0o644))).toBe(
      'secret.key: mode differs (0600 in the source, 0644 in the copy)',
    );
    await chmod(path.join(copy, 'secret.key'), 0o600);
    expect(await differenceAfter(() => chown(path.join(copy, 'owned.db'), 0, 0))).toBe(
      'owned.db: owner (uid) differs (1234 in the source, 0 in the copy)',
    );
  });

  it('sees a different size, time, link target and a hard link turned into a copy', async () => {
    // One inode, two names: the first in walk order is the hard link's.
    expect(await differenceAfter(() => writeFile(path.join(copy, 'settings.conf'), 'rpcport=8333\nx\n'))).toMatch(
      /^chain\/settings\.hardlink: size differs/,
    );
    await rm(copy, { recursive: true });
    await run('cp', ['-a', source, copy]);
    const when = new Date('2022-02-02T00:00:00Z');
    expect(await differenceAfter(() => utimes(path.join(copy, 'secret.key'), when, when))).toMatch(
      /^secret\.key: modification time \(ns\) differs/,
    );
    await rm(copy, { recursive: true });
    await run('cp', ['-a', source, copy]);
    expect(
      await differenceAfter(async () => {
        await unlink(path.join(copy, 'dangling-link'));
        await symlink('somewhere/else', path.join(copy, 'dangling-link'));
      }),
    ).toBe('dangling-link: link target differs (nowhere/at/all in the source, somewhere/else in the copy)');
    await rm(copy, { recursive: true });
    // cp -r without -a keeps no hard links (and no owners, times): the first difference found says so.
    await run('cp', ['-r', '--preserve=mode,ownership,timestamps', '--no-preserve=links', source, copy]);
    expect((await compareTrees(source, copy)).difference).toBe(
      'settings.conf: hard link (first name of the inode) differs (chain/settings.hardlink in the source, none in the copy)',
    );
  });

  it('with content on, sees bytes changed in place (same size, same time)', async () => {
    const file = path.join(copy, 'settings.conf');
    expect(
      await differenceAfter(async () => {
        await unlink(file);
        await writeFile(file, 'rpcport=8999\n');
        await run('touch', ['-r', path.join(source, 'settings.conf'), file]);
        await link(file, path.join(copy, 'chain', 'settings.hardlink.tmp'));
        await unlink(path.join(copy, 'chain', 'settings.hardlink'));
        await run('mv', [
          path.join(copy, 'chain', 'settings.hardlink.tmp'),
          path.join(copy, 'chain', 'settings.hardlink'),
        ]);
      }, true),
    ).toMatch(/^(chain\/settings\.hardlink|settings\.conf): /);
  });
});
