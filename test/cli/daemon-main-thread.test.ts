import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const probe = fileURLToPath(new URL('./support/main-thread-probe.ts', import.meta.url));

/**
 * The daemon's main thread keeps whatever it loads for as long as it runs: the schema library
 * (zod, ~3 MiB) and the YAML reader belong on the reader thread, which goes when idle. In a
 * process of its own (vitest's module graph would hide it), the probe loads the daemon's entry
 * and reads what the daemon reads at boot, through the same functions; module hooks report what
 * the main thread resolved.
 */
describe("the daemon's main thread", () => {
  it('reads the catalog, the policy, desired.json and the journal without loading zod or yaml', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', probe], { timeout: 60_000 });
    const seen = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    // What it read, read right: the checks did run (on the reader thread).
    expect(seen.apps).toEqual(['bitcoind', 'btcpay', 'electrs', 'mempool']);
    expect(seen.catalogErrors).toEqual([]);
    expect(seen.policy).toEqual({ bitcoind: { bind: [], capAdd: ['NET_ADMIN'], hostNetwork: false } });
    expect(seen.desired).toEqual({
      version: 1,
      apps: { bitcoind: { desired: 'running', installedAt: '2024-05-01T12:00:00.000Z' } },
    });
    expect(seen.refused).toContain('refusing to save an invalid state: apps.BAD');
    expect(seen.journal).toEqual([{ type: 'command', seq: 1, at: 1, appId: 'bitcoind', command: 'install' }]);
    // The hooks saw the daemon's modules, and none of zod's or yaml's.
    expect(seen.modulesSeen).toBeGreaterThan(100);
    expect(seen.zod).toEqual([]);
    expect(seen.yaml).toEqual([]);
    expect(seen.zodGlobal).toBe(false);
  });
});
