import { execFile, execFileSync } from 'node:child_process';
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The source name of every tmpfs these scenarios mount, so a leftover is recognised as ours. */
const SOURCE = 'podwarden-chaos';
const mounted = new Set<string>();

function unmountNow(dir: string): void {
  try {
    execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
  } catch {
    // Already gone.
  }
  mounted.delete(dir);
}

// However the run ends (a failed assertion, an exception, a signal), the mounts go with it.
process.once('exit', () => [...mounted].forEach(unmountNow));
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    [...mounted].forEach(unmountNow);
    process.kill(process.pid, signal);
  });
}

/** Unmounts tmpfs mounts a killed earlier run of these scenarios left (ours by their source name). */
export async function unmountLeftovers(): Promise<string[]> {
  const lines = (await readFile('/proc/mounts', 'utf8')).split('\n');
  const leftovers = lines
    .map((line) => line.split(' '))
    .filter(([source, , type]) => source === SOURCE && type === 'tmpfs')
    .map(([, target]) => target!);
  for (const target of leftovers) unmountNow(target.replace(/\\040/g, ' '));
  return leftovers;
}

/** A small file system of its own (tmpfs of `bytes`), to fill and free. Unmount it with `unmount`. */
export async function mountSmallDisk(dir: string, bytes: number): Promise<{ dir: string; unmount(): Promise<void> }> {
  await mkdir(dir, { recursive: true });
  await run('mount', ['-t', 'tmpfs', '-o', `size=${bytes},mode=0700`, SOURCE, dir]);
  mounted.add(dir);
  return {
    dir,
    async unmount() {
      unmountNow(dir);
    },
  };
}

/**
 * Fills the file system holding `dir` to its last byte with one file, and resolves with a way
 * to free it again. Files already there keep what their last page has room for (tmpfs counts
 * pages), which is how a journal line ends up cut short.
 */
export async function fillDisk(dir: string): Promise<{ free(): Promise<void> }> {
  const filler = join(dir, 'filler');
  const handle = await open(filler, 'w');
  try {
    for (const size of [1 << 20, 64 << 10, 4 << 10, 512, 64, 1]) {
      const chunk = Buffer.alloc(size, 0x2e);
      for (;;) {
        try {
          await handle.write(chunk);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw error;
        }
      }
    }
  } finally {
    await handle.close();
  }
  return { free: () => rm(filler, { force: true }) };
}
