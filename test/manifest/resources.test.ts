import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { toContainerSpec } from '../../src/manifest/container-spec.js';
import { createSpecBuilder } from '../../src/manifest/machine-spec.js';
import { errors as errorsOf, parsed as parseYaml } from './parse-helpers.js';

const FILE = 'catalog/web.yml';

function yaml(container: Record<string, unknown>, app: Record<string, unknown> = {}): string {
  return stringify({
    app: {
      id: 'web',
      name: 'Web',
      version: '1',
      ...app,
      container: { image: '127.0.0.1:5000/podwarden/httpd:1', ...container },
    },
  });
}

const parsed = (text: string) => parseYaml(text, FILE);
const errors = (text: string) => errorsOf(text, FILE);

const CTX = { instance: 'podwarden', namePrefix: 'podwarden-', appDataDir: '/srv/web' };

describe('container.resources', () => {
  it('takes memory as a size (podman style "256m" is MiB) and cpus as a number', () => {
    const manifest = parsed(yaml({ resources: { memory: '256m', cpus: 0.5 } }));
    expect(manifest.container.resources).toEqual({ memoryBytes: 256 * 1024 * 1024, cpus: 0.5 });
    expect(toContainerSpec(manifest, CTX).resources).toEqual({ memoryBytes: 256 * 1024 * 1024, cpus: 0.5 });
    expect(parsed(yaml({ resources: { memory: '1GiB' } })).container.resources).toEqual({ memoryBytes: 1024 ** 3 });
  });

  it('leaves the spec (and its hash) as it was when no limits are declared', () => {
    const without = toContainerSpec(parsed(yaml({})), CTX);
    expect('resources' in without).toBe(false);
    const limited = toContainerSpec(parsed(yaml({ resources: { memory: '64m' } })), CTX);
    expect(limited.labels['io.podwarden.spec-hash']).not.toBe(without.labels['io.podwarden.spec-hash']);
  });

  it('refuses bad limits with the file and field named', () => {
    expect(errors(yaml({ resources: { memory: 'lots' } })).join('\n')).toMatch(
      /catalog\/web\.yml.*app\.container\.resources\.memory.*invalid size "lots"/s,
    );
    expect(errors(yaml({ resources: { memory: '1m' } })).join('\n')).toMatch(
      /app\.container\.resources\.memory.*at least 6 MiB/s,
    );
    expect(errors(yaml({ resources: { cpus: 0 } })).join('\n')).toMatch(
      /app\.container\.resources\.cpus.*at least 0\.01/s,
    );
    expect(errors(yaml({ resources: { cpus: '2' } })).join('\n')).toMatch(
      /app\.container\.resources\.cpus.*number of CPUs/s,
    );
    expect(errors(yaml({ resources: {} })).join('\n')).toMatch(/app\.container\.resources.*"memory", "cpus" or both/s);
    expect(errors(yaml({ resources: { memroy: '64m' } })).join('\n')).toMatch(/memroy/);
  });
});

describe('probes.imageHealthcheck', () => {
  const builder = createSpecBuilder({
    instance: 'podwarden',
    namePrefix: 'podwarden-',
    dataDir: '/srv',
    secretsDir: '/etc/podwarden',
  });
  const spec = (text: string) => builder.app({ file: FILE, manifest: parsed(text), hash: '', grants: [] });

  it("is on by default: the machine reads the container's own check when no liveness probe is declared", () => {
    expect(spec(yaml({})).imageHealthcheck).toBe(true);
    expect(spec(yaml({})).probes).toBeUndefined();
  });

  it('is turned off with imageHealthcheck: false, and says what a failure of it leads to', () => {
    expect(spec(yaml({}, { probes: { imageHealthcheck: false } })).imageHealthcheck).toBeUndefined();
    expect(spec(yaml({}, { probes: { onLivenessFailure: 'recreate' } })).probes).toEqual({
      onLivenessFailure: 'recreate',
    });
    expect(errors(yaml({}, { probes: { imageHealthcheck: 'no' } })).join('\n')).toMatch(
      /app\.probes\.imageHealthcheck.*true or false/s,
    );
  });
});
