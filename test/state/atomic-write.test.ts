import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AtomicWriteError,
  describeWriteFailure,
  writeFileAtomic,
  writeFileIfChanged,
} from '../../src/state/atomic-write.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'podwarden-atomic-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const modeOf = async (file: string) => (await stat(file)).mode & 0o777;

describe('writeFileAtomic', () => {
  it('writes the content with the requested mode and leaves no temp file', async () => {
    const file = path.join(dir, 'desired.json');
    await writeFileAtomic(file, '{"a":1}\n', { mode: 0o600 });
    expect(await readFile(file, 'utf8')).toBe('{"a":1}\n');
    expect(await modeOf(file)).toBe(0o600);
    expect(await readdir(dir)).toEqual(['desired.json']);
  });

  it('replaces an existing file, keeping its mode unless told otherwise', async () => {
    const file = path.join(dir, 'state.json');
    await writeFile(file, 'old');
    await chmod(file, 0o640);
    await writeFileAtomic(file, Buffer.from('new content'));
    expect(await readFile(file, 'utf8')).toBe('new content');
    expect(await modeOf(file)).toBe(0o640);

    await writeFileAtomic(file, 'newer', { mode: 0o600 });
    expect(await readFile(file, 'utf8')).toBe('newer');
    expect(await modeOf(file)).toBe(0o600);
    expect(await readdir(dir)).toEqual(['state.json']);
  });

  it('gives exactly the requested mode, whatever the umask', async () => {
    const file = path.join(dir, 'open.txt');
    await writeFileAtomic(file, 'x', { mode: 0o664 });
    expect(await modeOf(file)).toBe(0o664);
  });

  it('fails with the path in the message when the directory is missing, creating nothing', async () => {
    const file = path.join(dir, 'missing', 'desired.json');
    const error = await writeFileAtomic(file, 'x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AtomicWriteError);
    expect((error as AtomicWriteError).path).toBe(file);
    expect((error as AtomicWriteError).code).toBe('ENOENT');
    expect((error as Error).message).toBe(`cannot write ${file}: the directory ${path.dirname(file)} does not exist`);
    expect(await readdir(dir)).toEqual([]);
  });

  it('fails without touching the target when the target cannot be replaced', async () => {
    const target = path.join(dir, 'taken');
    await mkdir(target);
    await writeFile(path.join(target, 'inside'), 'keep');
    await expect(writeFileAtomic(target, 'x')).rejects.toThrow(`cannot write ${target}`);
    expect(await readFile(path.join(target, 'inside'), 'utf8')).toBe('keep');
    expect(await readdir(dir)).toEqual(['taken']);
  });

  // A child node + tsx process: seconds on a loaded machine, so more than the project's 10 s.
  it('leaves the old file intact when the write itself fails half-way', { timeout: 60_000 }, async () => {
    // A real failing write, for any user: a child process whose file-size limit (ulimit -f, in
    // KiB) is smaller than the data gets EFBIG part-way through writing the temp file.
    const file = path.join(dir, 'desired.json');
    await writeFile(file, 'the old, good content');
    const script = `
      import { writeFileAtomic } from './src/state/atomic-write.ts';
      try {
        await writeFileAtomic(${JSON.stringify(file)}, 'x'.repeat(256 * 1024));
        console.log(JSON.stringify({ ok: true }));
      } catch (error) {
        console.log(JSON.stringify({ ok: false, message: error.message, code: error.code }));
      }
    `;
    const { stdout } = await promisify(execFile)(
      'bash',
      ['-c', 'ulimit -f 16 && exec "$0" --import tsx --input-type=module -e "$1"', process.execPath, script],
      { cwd: repo },
    );
    const result = JSON.parse(stdout.trim().split('\n').pop()!);
    expect(result).toEqual({ ok: false, code: 'EFBIG', message: expect.stringContaining(`cannot write ${file}: `) });
    expect(await readFile(file, 'utf8')).toBe('the old, good content');
    expect(await readdir(dir)).toEqual(['desired.json']);
  });

  it('ends with one whole version when several writes race', async () => {
    const file = path.join(dir, 'race.txt');
    const versions = Array.from({ length: 20 }, (_, i) => `${i}`.repeat(10_000));
    await Promise.all(versions.map((v) => writeFileAtomic(file, v)));
    expect(versions).toContain(await readFile(file, 'utf8'));
    expect(await readdir(dir)).toEqual(['race.txt']);
  });
});

describe('describeWriteFailure', () => {
  it('says the disk is full on ENOSPC', async () => {
    // /dev/full fails every write with a genuine ENOSPC from the kernel.
    const enospc = await writeFile('/dev/full', 'x').catch((e: unknown) => e);
    expect((enospc as NodeJS.ErrnoException).code).toBe('ENOSPC');
    expect(describeWriteFailure('/var/lib/podwarden/desired.json', enospc)).toBe(
      'cannot write /var/lib/podwarden/desired.json: the disk is full (no space left on device)',
    );
    const error = new AtomicWriteError('/var/lib/podwarden/desired.json', enospc);
    expect(error.code).toBe('ENOSPC');
    expect(error.cause).toBe(enospc);
  });

  it('names other failures', () => {
    const denied = Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
    expect(describeWriteFailure('/x', denied)).toBe('cannot write /x: permission denied');
    expect(describeWriteFailure('/x', new Error('boom'))).toBe('cannot write /x: boom');
  });
});

describe('writeFileIfChanged', () => {
  it('writes only when the content differs', async () => {
    const file = path.join(dir, 'unit.service');
    expect(await writeFileIfChanged(file, 'a\n')).toBe(true);
    const before = await stat(file);
    expect(await writeFileIfChanged(file, 'a\n')).toBe(false);
    expect(await writeFileIfChanged(file, Buffer.from('a\n'))).toBe(false);
    // An atomic write replaces the file; an untouched one keeps its inode.
    expect((await stat(file)).ino).toBe(before.ino);
    expect(await writeFileIfChanged(file, 'b\n')).toBe(true);
    expect(await readFile(file, 'utf8')).toBe('b\n');
    expect(await readdir(dir)).toEqual(['unit.service']);
  });

  it('rewrites when only the requested mode differs', async () => {
    const file = path.join(dir, 'secret.env');
    expect(await writeFileIfChanged(file, 'x', { mode: 0o644 })).toBe(true);
    expect(await writeFileIfChanged(file, 'x', { mode: 0o644 })).toBe(false);
    expect(await writeFileIfChanged(file, 'x', { mode: 0o600 })).toBe(true);
    expect(await modeOf(file)).toBe(0o600);
  });

  it('reports a target it cannot read', async () => {
    const target = path.join(dir, 'a-dir');
    await mkdir(target);
    await expect(writeFileIfChanged(target, 'x')).rejects.toThrow(`cannot read ${target}`);
  });
});
