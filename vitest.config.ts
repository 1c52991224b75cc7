import { defineConfig } from 'vitest/config';

// Two projects: `fast` needs nothing but Node (machines, manifests, simulator); `podman` needs
// the real engine and the local registry that scripts/setup-engine.sh starts. The podman
// project fails (never skips) when the engine cannot be reached: see test/podman/global-setup.ts.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'fast',
          include: ['test/**/*.test.ts'],
          exclude: ['test/podman/**', 'test/chaos/**'],
          testTimeout: 10_000,
        },
      },
      {
        test: {
          name: 'podman',
          include: ['test/podman/**/*.test.ts'],
          globalSetup: ['test/podman/global-setup.ts'],
          // One engine for all files: run them one after another so timings stay honest.
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        // Faults against the daemon on the real engine (docs/reliability.md). `npm test` runs
        // each scenario once; `npm run chaos` runs the repeated faults more rounds (CHAOS_ROUNDS).
        test: {
          name: 'chaos',
          include: ['test/chaos/**/*.test.ts'],
          globalSetup: ['test/podman/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
