import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRealTimeWorld, type RealTimeWorld } from './real-time-world.js';

// Issue 11, "crash leftovers": `.desired.json.*.tmp` files of interrupted writes were never cleaned.

let world: RealTimeWorld;
beforeEach(async () => {
  world = await createRealTimeWorld(['web']);
});
afterEach(async () => {
  await world.cleanup();
});

describe('temp files of writes a crash interrupted', () => {
  it('are removed when podwarden starts; desired.json is the whole old one', async () => {
    await mkdir(world.stateDir, { recursive: true });
    await writeFile(join(world.stateDir, 'desired.json'), '{"version":1,"apps":{}}\n');
    await writeFile(join(world.stateDir, '.desired.json.31337.0123456789ab.tmp'), '{"version":1,"apps":{"web":{"desi');
    await writeFile(join(world.stateDir, '.desired.json.31338.ba9876543210.tmp'), '');
    const orchestrator = await world.boot();
    expect((await readdir(world.stateDir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    expect(orchestrator.status()).toEqual([]);
  });
});
