import { describe, expect, it } from 'vitest';
import { containerEventFromRaw } from '../../src/engine/dockerode/container-event.js';
import { LABELS } from '../../src/domain/labels.js';
import type { ContainerEvent } from '../../src/domain/container-observation.js';
import { fixture, OWNER } from './support/captured.js';

describe('containerEventFromRaw', () => {
  const raw = fixture<Array<{ Actor: { ID: string; Attributes: Record<string, string> } }>>('events-podman.json');
  const events = raw.map(containerEventFromRaw).filter((e): e is ContainerEvent => e !== null);
  const idOf = (name: string): string => {
    const found = raw.find((e) => e.Actor.Attributes.name === name);
    if (!found) throw new Error(`no event for ${name} in the fixture`);
    return found.Actor.ID;
  };
  const actionsOf = (name: string): string[] => events.filter((e) => e.containerId === idOf(name)).map((e) => e.action);

  it('keeps the actions podwarden acts on, in order, and drops init, cleanup and exec_died', () => {
    expect(actionsOf('fixture-exited')).toEqual(['create', 'start', 'die', 'remove']);
    expect(actionsOf('fixture-healthy')).toEqual(['create', 'start', 'health', 'health', 'kill', 'die', 'remove']);
    expect(actionsOf('fixture-paused')).toEqual([
      'create',
      'start',
      'pause',
      'unpause',
      'restart',
      'die',
      'start',
      'die',
      'remove',
    ]);
    const ignored = raw.filter((e) => containerEventFromRaw(e) === null).map((e) => (e as { Action?: string }).Action);
    expect(new Set(ignored)).toEqual(new Set(['init', 'cleanup', 'exec_died']));
  });

  it('carries the exit code on die events only', () => {
    const dies = events.filter((e) => e.action === 'die');
    expect(dies.find((e) => e.containerId === idOf('fixture-exited'))?.exitCode).toBe(3);
    expect(dies.find((e) => e.containerId === idOf('fixture-healthy'))?.exitCode).toBe(137);
    expect(events.filter((e) => e.action !== 'die').every((e) => e.exitCode === undefined)).toBe(true);
  });

  it('passes the container labels (and podman attributes) and the time in ms', () => {
    const create = events.find((e) => e.action === 'create' && e.containerId === idOf('fixture-exited'));
    expect(create?.labels).toMatchObject({ [LABELS.owner]: OWNER, [LABELS.app]: 'exited', name: 'fixture-exited' });
    expect(create?.time).toBeGreaterThan(Date.parse('2020-01-01T00:00:00Z'));
    expect(Number.isInteger(create?.time)).toBe(true);
  });

  it("takes podman's HealthStatus field (stale by one check, podman #19237)", () => {
    const health = events.filter((e) => e.action === 'health');
    expect(health.length).toBeGreaterThan(0);
    expect(health.every((e) => e.health === 'starting' || e.health === 'healthy' || e.health === 'unhealthy')).toBe(
      true,
    );
  });

  it("reads Docker's health_status: <status> action and libpod's died", () => {
    const docker = {
      status: 'health_status: unhealthy',
      id: 'abc',
      Type: 'container',
      Action: 'health_status: unhealthy',
      Actor: { ID: 'abc', Attributes: { [LABELS.owner]: 'o' } },
      time: 1_700_000_000,
    };
    expect(containerEventFromRaw(docker)).toEqual({
      kind: 'container',
      action: 'health',
      containerId: 'abc',
      labels: { [LABELS.owner]: 'o' },
      time: 1_700_000_000_000,
      health: 'unhealthy',
    });
    const died = { Type: 'container', Action: 'died', Actor: { ID: 'abc', Attributes: { containerExitCode: '5' } } };
    expect(containerEventFromRaw(died)).toMatchObject({ action: 'die', exitCode: 5 });
  });

  it('ignores non-container events and garbage', () => {
    expect(containerEventFromRaw({ Type: 'image', Action: 'pull', Actor: { ID: 'x' } })).toBeNull();
    expect(containerEventFromRaw({ Type: 'container', Action: 'start', Actor: {} })).toBeNull();
    expect(containerEventFromRaw('start')).toBeNull();
    expect(containerEventFromRaw(null)).toBeNull();
  });
});
