import { defineConfig } from 'vitest/config';

// Projects:
// - `fast`: nothing but Node (machines, manifests, simulator, API); ~2 min quiet, ~6 min beside
//   the other projects on a loaded 2-core machine. Its per-test limit is a hang guard, not a
//   speed check: tests that take 3 s quiet take several times that under CI's load.
// - `model`: the exhaustive model-based walks of the machines (minutes).
// - `podman`: this machine's rootful podman 4.3 and the local registry (scripts/setup-engine.sh),
//   with the lane files (test/lanes) on the `podman` lane.
// - `systemd`: the lane files on rootful and rootless podman 5 under systemd, and the tests of
//   podwarden as a service there (scripts/systemd-host.sh).
// - `docker`: the lane files on Debian's Docker engine (scripts/setup-docker.sh).
// Engine projects fail (never skip) when their engine cannot be reached: see their global setups.
const engineProject = {
  // One engine for all files: run them one after another so timings stay honest.
  fileParallelism: false,
  testTimeout: 120_000,
  hookTimeout: 120_000,
};

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'fast',
          include: ['test/**/*.test.ts'],
          exclude: [
            'test/podman/**',
            'test/lanes/**',
            'test/systemd/**',
            'test/model/*.model.test.ts',
            'test/chaos/**',
          ],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'model',
          include: ['test/model/*.model.test.ts'],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'podman',
          include: ['test/podman/**/*.test.ts', 'test/lanes/**/*.test.ts'],
          globalSetup: ['test/podman/global-setup.ts'],
          env: { PODWARDEN_LANES: 'podman' },
          ...engineProject,
        },
      },
      {
        test: {
          name: 'systemd',
          include: ['test/lanes/**/*.test.ts', 'test/systemd/**/*.test.ts'],
          globalSetup: ['test/lanes/global-setup.ts'],
          env: { PODWARDEN_LANES: 'systemd-rootful,systemd-rootless' },
          ...engineProject,
        },
      },
      {
        test: {
          name: 'docker',
          include: ['test/lanes/**/*.test.ts'],
          globalSetup: ['test/lanes/global-setup.ts'],
          env: { PODWARDEN_LANES: 'docker' },
          ...engineProject,
        },
      },
      {
        // Faults against the daemon on this machine's podman (docs/reliability.md). `npm test`
        // runs each scenario once; `npm run chaos` runs the repeated faults more rounds (CHAOS_ROUNDS).
        test: {
          name: 'chaos',
          include: ['test/chaos/**/*.test.ts'],
          globalSetup: ['test/podman/global-setup.ts'],
          ...engineProject,
          testTimeout: 300_000,
        },
      },
    ],
  },
});
