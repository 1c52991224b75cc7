import { describe, expect, it } from 'vitest';
import {
  normalizeStatus,
  networkAddress,
  observationFromInspect,
  observationFromLibpodListEntry,
  observationFromListEntry,
  parseStatusText,
} from '../../src/engine/dockerode/container-observation.js';
import { LABELS } from '../../src/domain/labels.js';
import { fixture, OWNER } from './support/captured.js';

describe('observationFromInspect (podman compat inspect)', () => {
  it('maps a created container: no pid, no exit code, no times', () => {
    const o = observationFromInspect(fixture('inspect-created.json'));
    expect(o).toMatchObject({
      name: 'fixture-created',
      image: '127.0.0.1:5000/podwarden/sleeper:1',
      status: 'created',
      health: 'none',
      pid: 0,
      oomKilled: false,
    });
    expect(o.id).toMatch(/^[0-9a-f]{64}$/);
    expect(o.labels).toMatchObject({ [LABELS.owner]: OWNER, [LABELS.app]: 'created' });
    expect(o.exitCode).toBeUndefined();
    expect(o.startedAt).toBeUndefined();
    expect(o.finishedAt).toBeUndefined();
  });

  it('maps running containers with their pid, start time and health', () => {
    const healthy = observationFromInspect(fixture('inspect-healthy.json'));
    expect(healthy).toMatchObject({ status: 'running', health: 'healthy', name: 'fixture-healthy' });
    expect(healthy.pid).toBeGreaterThan(0);
    expect(healthy.startedAt).toBeGreaterThan(Date.parse('2020-01-01T00:00:00Z'));
    expect(healthy.finishedAt).toBeUndefined();
    expect(observationFromInspect(fixture('inspect-unhealthy.json')).health).toBe('unhealthy');
  });

  it("reads the container's bridge address, for http and tcp probes", () => {
    expect(observationFromInspect(fixture('inspect-healthy.json')).ipAddress).toBe('10.88.0.54');
    expect(networkAddress({ IPAddress: '', Networks: { app: { IPAddress: '10.89.0.7' } } })).toBe('10.89.0.7');
    expect(networkAddress({ IPAddress: '', Networks: {} })).toBeUndefined();
  });

  it('maps an exited container with its exit code and times', () => {
    const o = observationFromInspect(fixture('inspect-exited.json'));
    expect(o).toMatchObject({ status: 'exited', exitCode: 3, pid: 0, image: '127.0.0.1:5000/podwarden/crasher:1' });
    expect(o.finishedAt).toBeGreaterThan(0);
  });

  it('maps a paused container (podman reports Running and Paused both true)', () => {
    expect(observationFromInspect(fixture('inspect-paused.json')).status).toBe('paused');
  });

  it('degrades to unknown fields instead of throwing on odd payloads', () => {
    expect(observationFromInspect(null)).toEqual({
      id: '',
      name: '',
      image: '',
      status: 'unknown',
      health: 'none',
      labels: {},
    });
    expect(observationFromInspect({ State: { Status: 'hibernating' }, Config: { Labels: null } }).status).toBe(
      'unknown',
    );
  });
});

describe('container lists', () => {
  it('compat list: state word, exit code from the Status text, no health on podman 4.3', () => {
    const entries = fixture<unknown[]>('list-compat.json').map(observationFromListEntry);
    const byName = new Map(entries.map((o) => [o.name, o]));
    expect([...byName.keys()].sort()).toEqual([
      'fixture-created',
      'fixture-exited',
      'fixture-healthy',
      'fixture-paused',
      'fixture-unhealthy',
    ]);
    expect(byName.get('fixture-created')).toMatchObject({ status: 'created', health: 'none' });
    expect(byName.get('fixture-exited')).toMatchObject({ status: 'exited', exitCode: 3 });
    expect(byName.get('fixture-paused')).toMatchObject({ status: 'paused' });
    // Podman's compat Status is "Up 4 seconds" whatever the health: that is why the adapter
    // lists through libpod on podman.
    expect(byName.get('fixture-unhealthy')).toMatchObject({ status: 'running', health: 'none' });
    expect(byName.get('fixture-healthy')?.labels[LABELS.owner]).toBe(OWNER);
    expect(byName.get('fixture-healthy')?.image).toBe('127.0.0.1:5000/podwarden/httpd:1');
  });

  it('libpod list: health, exit code, pid and times', () => {
    const entries = fixture<unknown[]>('list-libpod.json').map(observationFromLibpodListEntry);
    const byName = new Map(entries.map((o) => [o.name, o]));
    expect(byName.get('fixture-created')).toMatchObject({ status: 'created', health: 'none', pid: 0 });
    expect(byName.get('fixture-created')?.startedAt).toBeUndefined();
    expect(byName.get('fixture-healthy')).toMatchObject({ status: 'running', health: 'healthy' });
    expect(byName.get('fixture-healthy')?.pid).toBeGreaterThan(0);
    expect(byName.get('fixture-healthy')?.startedAt).toBeGreaterThan(Date.parse('2020-01-01T00:00:00Z'));
    expect(byName.get('fixture-unhealthy')).toMatchObject({ status: 'running', health: 'unhealthy' });
    expect(byName.get('fixture-exited')).toMatchObject({ status: 'exited', exitCode: 3, health: 'none' });
    expect(byName.get('fixture-exited')?.finishedAt).toBeGreaterThan(0);
    expect(byName.get('fixture-paused')).toMatchObject({ status: 'paused' });
    expect(byName.get('fixture-paused')?.exitCode).toBeUndefined();
  });

  it('reads health and exit code from Docker-style Status texts', () => {
    expect(parseStatusText('Up 5 seconds (healthy)')).toEqual({ health: 'healthy' });
    expect(parseStatusText('Up 2 seconds (health: starting)')).toEqual({ health: 'starting' });
    expect(parseStatusText('Up 3 minutes (unhealthy)')).toEqual({ health: 'unhealthy' });
    expect(parseStatusText('Up 4 seconds (Paused)')).toEqual({ health: 'none' });
    expect(parseStatusText('Exited (137) 3 minutes ago')).toEqual({ health: 'none', exitCode: 137 });
    expect(parseStatusText('Exited (-1) 1 second ago')).toEqual({ health: 'none', exitCode: -1 });
    expect(parseStatusText(undefined)).toEqual({ health: 'none' });
  });

  it('folds libpod state words into Docker ones', () => {
    expect(normalizeStatus('configured')).toBe('created');
    expect(normalizeStatus('initialized')).toBe('created');
    expect(normalizeStatus('stopped')).toBe('exited');
    expect(normalizeStatus('stopping')).toBe('running');
    expect(normalizeStatus('Restarting')).toBe('restarting');
    expect(normalizeStatus('removing')).toBe('removing');
    expect(normalizeStatus('dead')).toBe('dead');
    expect(normalizeStatus(42)).toBe('unknown');
  });
});
