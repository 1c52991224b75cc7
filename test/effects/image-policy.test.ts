import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AppSpec } from '../../machines/types.js';
import { createImageEnsurer } from '../../src/effects/pull-image.js';
import { EngineError } from '../../src/domain/engine-error.js';
import {
  SAMPLE_IMAGE_BEHAVIOURS,
  sampleImageRef,
  sampleRegistry,
} from '../../src/engine/simulator/simulator-images.js';
import { createSimulatedEngine, SIMULATED_STORAGE_ROOT } from '../../src/engine/simulator/simulator.js';

const REGISTRY = '127.0.0.1:5000';
const HTTPD = sampleImageRef('httpd', REGISTRY);
const GiB = 1024 ** 3;

function spec(image: Partial<AppSpec['image']>): AppSpec {
  const ref = image.ref ?? HTTPD;
  return {
    appId: 'web',
    specHash: 'h1',
    image: { ref, pullPolicy: 'if-not-present', ...image },
    container: { name: 'podwarden-web', image: ref, env: {}, labels: {}, ports: [], mounts: [], tmpfs: [], capAdd: [] },
  };
}

async function rejection(promise: Promise<unknown>): Promise<EngineError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(EngineError);
    return error as EngineError;
  }
  throw new Error('expected a rejection');
}

function setup(options: { insecure?: string[]; reserve?: number } = {}) {
  const engine = createSimulatedEngine({ registry: sampleRegistry(REGISTRY) });
  const ensure = createImageEnsurer(engine, {
    insecureRegistries: options.insecure ?? [REGISTRY],
    ...(options.reserve !== undefined ? { diskReserveBytes: options.reserve } : {}),
  });
  return { engine, ensure };
}

describe('image policy', () => {
  it('build and image: a build that fails (missing context) falls back to pulling the image', async () => {
    const { engine, ensure } = setup();
    await ensure(spec({ build: { context: '/nonexistent/context' }, pullFallback: true }));
    expect(engine.control.calls.build).toBe(1);
    expect(engine.control.calls.pull).toBe(1);
    expect(await engine.imageExists(HTTPD)).toBe(true);
  });

  it('build and image: a build that works is not pulled', async () => {
    const { engine, ensure } = setup();
    engine.control.defineBuildContext('/src/web', SAMPLE_IMAGE_BEHAVIOURS.httpd);
    await ensure(spec({ build: { context: '/src/web' }, pullFallback: true }));
    expect([engine.control.calls.build, engine.control.calls.pull]).toEqual([1, 0]);
  });

  it('build and image: both failing says why each failed', async () => {
    const { engine, ensure } = setup();
    engine.control.unpublishImage(HTTPD);
    const error = await rejection(ensure(spec({ build: { context: '/nonexistent/context' }, pullFallback: true })));
    expect(error.code).toBe('image-not-found');
    expect(error.message).toMatch(
      /^build failed \(build of image .* no such build context.*\), and so did the pull it fell back to: pull of image/,
    );
  });

  it("a build context that leads out of the manifest's folder is never built; with image too, the image is pulled", async () => {
    const root = await mkdtemp(join(tmpdir(), 'podwarden-build-'));
    try {
      await mkdir(join(root, 'catalog'));
      await symlink('/etc', join(root, 'catalog', 'web'));
      const { engine, ensure } = setup();
      engine.control.defineBuildContext(join(root, 'catalog', 'web'), SAMPLE_IMAGE_BEHAVIOURS.httpd);
      const build = { context: join(root, 'catalog', 'web'), root: join(root, 'catalog') };
      const error = await rejection(ensure(spec({ build })));
      expect(error.message).toBe(
        "the build context leads outside the manifest's folder through a symbolic link; podwarden reads only files inside it",
      );
      await ensure(spec({ build, pullFallback: true }));
      expect([engine.control.calls.build, engine.control.calls.pull]).toEqual([0, 1]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('build alone: a failed build is not pulled', async () => {
    const { engine, ensure } = setup();
    await rejection(ensure(spec({ build: { context: '/nonexistent/context' } })));
    expect(engine.control.calls.pull).toBe(0);
  });

  it('pull policy never with the image absent: a clear reason, no pull', async () => {
    const { engine, ensure } = setup();
    const error = await rejection(ensure(spec({ pullPolicy: 'never' })));
    expect(error.code).toBe('image-not-found');
    expect(error.message).toBe(`image ${HTTPD} is not present and the pull policy is "never"`);
    expect(engine.control.calls.pull).toBe(0);
  });

  it('a plain-HTTP registry not listed as insecure: a reason naming the option to set', async () => {
    const { ensure } = setup({ insecure: [] });
    const error = await rejection(ensure(spec({})));
    expect(error.code).toBe('registry-unreachable');
    expect(error.message).toContain(
      `is not in podwarden's insecureRegistries (add it with --insecure-registry ${REGISTRY}`,
    );
  });
});

describe('disk preflight', () => {
  it('refuses a pull when the requirement and the reserve do not fit, and pulls nothing', async () => {
    const { engine, ensure } = setup({ reserve: GiB });
    engine.control.setFreeSpace(1.2 * GiB);
    const error = await rejection(ensure(spec({ diskBytes: 2 * GiB })));
    expect(error.code).toBe('disk-full');
    expect(error.message).toBe(
      `disk full: 1.2 GiB free on ${SIMULATED_STORAGE_ROOT}, app web needs 2 GiB + 1 GiB reserve (free some space, or lower --disk-reserve)`,
    );
    expect(engine.control.calls.pull).toBe(0);
    expect(await engine.imageExists(HTTPD)).toBe(false);
  });

  it('keeps the reserve even for an app without a requirement', async () => {
    const { engine, ensure } = setup({ reserve: GiB });
    engine.control.setFreeSpace(GiB - 1);
    const error = await rejection(ensure(spec({})));
    expect(error.message).toContain('app web declares no requirement, and podwarden keeps 1 GiB in reserve');
    expect(engine.control.calls.pull).toBe(0);
  });

  it('refuses a build too, before it starts', async () => {
    const { engine, ensure } = setup({ reserve: GiB });
    engine.control.defineBuildContext('/src/web', SAMPLE_IMAGE_BEHAVIOURS.httpd);
    engine.control.setFreeSpace(2 * GiB);
    await rejection(ensure(spec({ build: { context: '/src/web' }, pullFallback: true, diskBytes: 2 * GiB })));
    expect([engine.control.calls.build, engine.control.calls.pull]).toEqual([0, 0]);
  });

  it('pulls when exactly enough is free', async () => {
    const { engine, ensure } = setup({ reserve: GiB });
    engine.control.setFreeSpace(3 * GiB);
    await ensure(spec({ diskBytes: 2 * GiB }));
    expect(engine.control.calls.pull).toBe(1);
  });

  it('does not look at the disk when the image is already there', async () => {
    const { engine, ensure } = setup();
    await engine.pull(HTTPD, { insecureRegistries: [REGISTRY] });
    engine.control.setFreeSpace(0);
    engine.control.resetCalls();
    await ensure(spec({}));
    expect([engine.control.calls.storageSpace, engine.control.calls.pull]).toEqual([0, 0]);
  });
});
