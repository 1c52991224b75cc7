import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRealTimeDaemon, type RealTimeDaemon } from './real-time-daemon.js';

// Issue 11, "crash leftovers": `.desired.json.*.tmp` files of interrupted writes were never cleaned.

let daemon: RealTimeDaemon;
beforeEach(async () => {
  daemon = await createRealTimeDaemon(['web']);
});
afterEach(async () => {
  await daemon.cleanup();
});

describe('temp files of writes a crash interrupted', () => {
  it('are removed when podwarden starts; desired.json is the whole old one', async () => {
    await mkdir(daemon.stateDir, { recursive: true });
    await writeFile(join(daemon.stateDir, 'desired.json'), '{"version":1,"apps":{}}\n');
    await writeFile(join(daemon.stateDir, '.desired.json.31337.0123456789ab.tmp'), '{"version":1,"apps":{"web":{"desi');
    await writeFile(join(daemon.stateDir, '.desired.json.31338.ba9876543210.tmp'), '');
    const orchestrator = await daemon.boot();
    expect((await readdir(daemon.stateDir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    expect(orchestrator.status()).toEqual([]);
  });
});
