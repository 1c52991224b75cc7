import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parsePodmanVersion, renderUnit, usesQuadlet } from '../../src/companions/systemd/render-unit.js';
import { UNIT_CASES } from './unit-fixtures.js';

const GOLDEN = path.join(path.dirname(fileURLToPath(import.meta.url)), 'golden');
// Set PODWARDEN_UPDATE_GOLDEN=1 to rewrite the golden files after an intended change.
const UPDATE = process.env.PODWARDEN_UPDATE_GOLDEN === '1';
const QUADLET_PODMAN = { major: 5, minor: 0 };
const OLD_PODMAN = { major: 4, minor: 3 };

function rendered(name: string, podman: { major: number; minor: number }) {
  return renderUnit({ spec: UNIT_CASES[name]!, description: `${name} of lnd`, podman });
}

async function golden(file: string, text: string): Promise<string> {
  const target = path.join(GOLDEN, file);
  if (UPDATE) await writeFile(target, text);
  return readFile(target, 'utf8');
}

describe('companion unit rendering', () => {
  it('chooses Quadlet from podman 4.4 on, a plain .service before', () => {
    expect(usesQuadlet(parsePodmanVersion('4.3.1'))).toBe(false);
    expect(usesQuadlet(parsePodmanVersion('4.4.0'))).toBe(true);
    expect(usesQuadlet(parsePodmanVersion('5.2.3-dev'))).toBe(true);
    expect(() => parsePodmanVersion('unknown')).toThrow(/cannot read a podman version from "unknown"/);
    expect(rendered('env', OLD_PODMAN)).toMatchObject({
      kind: 'service',
      fileName: 'podwarden-lnd-env.service',
      unitName: 'podwarden-lnd-env.service',
    });
    expect(rendered('env', QUADLET_PODMAN)).toMatchObject({
      kind: 'quadlet',
      fileName: 'podwarden-lnd-env.container',
      unitName: 'podwarden-lnd-env.service',
    });
  });

  for (const name of Object.keys(UNIT_CASES)) {
    it(`${name}: matches its golden Quadlet and .service files`, async () => {
      const quadlet = rendered(name, QUADLET_PODMAN);
      const service = rendered(name, OLD_PODMAN);
      expect(quadlet.text).toBe(await golden(`${name}.container`, quadlet.text));
      expect(service.text).toBe(await golden(`${name}.service`, service.text));
      // Same input, same bytes: what lets podwarden skip unchanged writes and reloads.
      expect(rendered(name, OLD_PODMAN).text).toBe(service.text);
    });
  }

  it('keeps health out of Quadlet files for podman 4.4 (no Health keys before 4.5, no Notify=healthy before 5.0)', () => {
    expect(rendered('health', { major: 4, minor: 4 }).text).not.toMatch(/Health|Notify/);
    const podman45 = rendered('health', { major: 4, minor: 5 }).text;
    expect(podman45).toMatch(/^HealthCmd=/m);
    expect(podman45).not.toMatch(/Notify=healthy/);
    expect(rendered('health', QUADLET_PODMAN).text).toMatch(/^Notify=healthy$/m);
  });

  it('every rendered .service passes systemd-analyze verify without a warning', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'podwarden-units-'));
    try {
      const files: string[] = [];
      for (const name of Object.keys(UNIT_CASES)) {
        const unit = rendered(name, OLD_PODMAN);
        const file = path.join(dir, unit.fileName);
        await writeFile(file, unit.text);
        files.push(file);
      }
      // Fails (never skips) where systemd-analyze is missing: scripts/setup-engine.sh installs it.
      const { stdout, stderr } = await promisify(execFile)('systemd-analyze', ['verify', ...files]);
      expect(stdout + stderr).toBe('');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
