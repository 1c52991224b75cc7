import { describe, expect, it } from 'vitest';
import { createManifestParser } from '../../src/manifest/manifest-parser.js';

const MANIFEST = new TextEncoder().encode(
  'app:\n  id: web\n  name: Web\n  version: "1"\n  container:\n    image: x/y:1\n',
);

describe('the parser thread', () => {
  it('parses off the event loop, one file after another, in the order asked', async () => {
    const parser = createManifestParser();
    try {
      const results = await Promise.all(['a.yml', 'b.yml', 'c.yml'].map((file) => parser.parse(MANIFEST, file, 1024)));
      expect(results.map((result) => ('manifest' in result ? result.manifest.id : result.errors.map(String)))).toEqual([
        'web',
        'web',
        'web',
      ]);
      const tooLarge = await parser.parse(MANIFEST, 'big.yml', 10);
      expect('errors' in tooLarge && tooLarge.errors.map(String)).toEqual([
        'big.yml: the file is 72 B; a manifest may be at most 10 B (--manifest-max-bytes), so it is not read',
      ]);
    } finally {
      await parser.close();
    }
  });

  it('lets an idle thread go, and reads the next file on a new one', async () => {
    const parser = createManifestParser({ idleMs: 10 });
    try {
      expect('manifest' in (await parser.parse(MANIFEST, 'first.yml', 1024))).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const [again, alongside] = await Promise.all([
        parser.parse(MANIFEST, 'again.yml', 1024),
        parser.parse(MANIFEST, 'alongside.yml', 1024),
      ]);
      expect('manifest' in again && 'manifest' in alongside).toBe(true);
    } finally {
      await parser.close();
    }
  });

  it('refuses a file that takes longer than its time limit, ends that thread, and parses the next on a new one', async () => {
    const parser = createManifestParser({ timeoutMs: 0 });
    try {
      const slow = await parser.parse(MANIFEST, 'slow.yml', 1024);
      expect('errors' in slow && slow.errors.map(String)).toEqual([
        'slow.yml: reading it took longer than 0 s; it is refused (a manifest reads in milliseconds)',
      ]);
    } finally {
      await parser.close();
    }
    const next = createManifestParser();
    try {
      expect('manifest' in (await next.parse(MANIFEST, 'next.yml', 1024))).toBe(true);
    } finally {
      await next.close();
    }
  });

  it('parses on the calling thread, and says so, when the thread cannot start', async () => {
    const reasons: string[] = [];
    const parser = createManifestParser({
      workerFile: new URL('./no-such-worker.ts', import.meta.url),
      onFallback: (reason) => reasons.push(reason),
    });
    try {
      const results = await Promise.all(['a.yml', 'b.yml'].map((file) => parser.parse(MANIFEST, file, 1024)));
      expect(results.every((result) => 'manifest' in result)).toBe(true);
      expect(reasons).toHaveLength(1);
    } finally {
      await parser.close();
    }
  });

  it('close refuses what is still waiting instead of leaving it unanswered', async () => {
    const parser = createManifestParser();
    const waiting = parser.parse(MANIFEST, 'late.yml', 1024);
    await parser.close();
    const result = await waiting;
    expect('errors' in result && result.errors.map(String)).toEqual(['late.yml: podwarden stopped reading manifests']);
  });
});
