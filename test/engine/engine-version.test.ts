import { describe, expect, it } from 'vitest';
import { engineInfoFromVersion } from '../../src/engine/dockerode/engine-version.js';
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
