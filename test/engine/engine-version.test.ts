import { describe, expect, it } from 'vitest';
import { engineHostFacts, engineInfoFromVersion } from '../../src/engine/dockerode/engine-version.js';
import { fixture } from './support/captured.js';

describe('engineInfoFromVersion', () => {
  it('recognises podman by its component and keeps the libpod API version', () => {
    expect(engineInfoFromVersion(fixture('version-podman.json'))).toEqual({
      flavor: 'podman',
      version: '4.3.1',
      libpodApiVersion: '4.3.1',
    });
  });

  it('takes anything without a Podman component for Docker', () => {
    const docker = {
      Platform: { Name: 'Docker Engine - Community' },
      Components: [{ Name: 'Engine', Version: '24.0.7', Details: { ApiVersion: '1.43' } }],
      Version: '24.0.7',
      ApiVersion: '1.43',
    };
    expect(engineInfoFromVersion(docker)).toEqual({ flavor: 'docker', version: '24.0.7' });
  });
});

describe('engineHostFacts (GET /info, captured on each lane)', () => {
  it.each([
    ['info-podman43.json', 'podman', { rootless: false, runsHealthchecks: false }],
    ['info-podman5-rootful.json', 'podman', { rootless: false, runsHealthchecks: true }],
    ['info-podman5-rootless.json', 'podman', { rootless: true, runsHealthchecks: true }],
    ['info-docker20.json', 'docker', { rootless: false, runsHealthchecks: true }],
  ] as const)('%s', (file, flavor, facts) => {
    expect(engineHostFacts(flavor, fixture(file))).toEqual(facts);
  });

  it('assumes the least from an answer it cannot read', () => {
    expect(engineHostFacts('podman', null)).toEqual({ rootless: false, runsHealthchecks: false });
  });
});
