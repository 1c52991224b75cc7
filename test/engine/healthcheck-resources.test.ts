import { describe, expect, it } from 'vitest';
import {
  healthcheckFromConfig,
  observationFromInspect,
  resourcesFromHostConfig,
} from '../../src/engine/dockerode/container-observation.js';
import { containerCreateBody } from '../../src/engine/dockerode/create-body.js';
import { SAMPLE_IMAGE_BEHAVIOURS } from '../../src/engine/simulator/simulator-images.js';
import { fixture } from './support/captured.js';
import { containerSpec } from '../support/container-spec.js';

describe("a container's health check and limits from podman 4.3's compat inspect", () => {
  it("reads the image's HEALTHCHECK in ms, leaving out what the image left unset (no StartPeriod here)", () => {
    const observation = observationFromInspect(fixture('inspect-unhealthy.json'));
    expect(observation.healthcheck).toEqual({
      test: ['CMD-SHELL', 'timeout 2 wget -q -O /dev/null http://127.0.0.1:8080/health || exit 1'],
      intervalMs: 5_000,
      timeoutMs: 3_000,
      retries: 2,
    });
    // The simulator plays the sample image with the very check podman reports.
    expect(SAMPLE_IMAGE_BEHAVIOURS.unhealthy.healthcheck).toEqual(observation.healthcheck);
  });

  it('has none for an image without one, and no limits when HostConfig says 0', () => {
    const observation = observationFromInspect(fixture('inspect-created.json'));
    expect(observation.healthcheck).toBeUndefined();
    expect(observation.resources).toBeUndefined();
  });

  it('keeps NONE (an image that switched checks off) and every duration it has', () => {
    expect(healthcheckFromConfig({ Test: ['NONE'] })).toEqual({ test: ['NONE'] });
    expect(
      healthcheckFromConfig({ Test: ['CMD', 'true'], Interval: 1e9, Timeout: 5e8, Retries: 4, StartPeriod: 3e10 }),
    ).toEqual({
      test: ['CMD', 'true'],
      intervalMs: 1_000,
      timeoutMs: 500,
      retries: 4,
      startPeriodMs: 30_000,
    });
    expect(healthcheckFromConfig({ Test: [] })).toBeUndefined();
    expect(healthcheckFromConfig(null)).toBeUndefined();
  });

  it('reads Memory and NanoCpus', () => {
    expect(resourcesFromHostConfig({ Memory: 67108864, NanoCpus: 500000000 })).toEqual({
      memoryBytes: 67108864,
      cpus: 0.5,
    });
    expect(resourcesFromHostConfig({ Memory: 0, NanoCpus: 0 })).toBeUndefined();
  });

  it('creates with HostConfig.Memory and NanoCpus from the spec', () => {
    const body = containerCreateBody(
      containerSpec('hog', 'x', { resources: { memoryBytes: 64 * 1024 * 1024, cpus: 1.5 } }),
    ) as { HostConfig: Record<string, unknown> };
    expect(body.HostConfig.Memory).toBe(67108864);
    expect(body.HostConfig.NanoCpus).toBe(1_500_000_000);
    const unlimited = containerCreateBody(containerSpec('x', 'x')) as {
      HostConfig: Record<string, unknown>;
    };
    expect('Memory' in unlimited.HostConfig).toBe(false);
    expect('NanoCpus' in unlimited.HostConfig).toBe(false);
  });
});
