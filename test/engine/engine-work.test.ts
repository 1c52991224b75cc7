import { describe, expect, it } from 'vitest';
import { boundEngineWork, type MutatingCall } from '../../src/engine/engine-work.js';
import type { EnginePort } from '../../src/engine/port.js';

/** An engine whose mutating calls wait until the test lets them finish, in the order they began. */
function heldEngine() {
  const began: string[] = [];
  const pending: Array<() => void> = [];
  let inFlight = 0;
  let most = 0;
  const hold = (call: MutatingCall, subject: string) =>
    new Promise<never>((resolve) => {
      began.push(`${call} ${subject}`);
      inFlight += 1;
      most = Math.max(most, inFlight);
      pending.push(() => {
        inFlight -= 1;
        resolve(undefined as never);
      });
    });
  const engine = {
    pull: (ref: string) => hold('pull', ref),
    build: (spec: { tag: string }) => hold('build', spec.tag),
    create: (spec: { name: string }) => hold('create', spec.name).then(() => ({ id: spec.name })),
    start: (id: string) => hold('start', id),
    stop: (id: string) => hold('stop', id),
    remove: (id: string) => hold('remove', id),
    list: async () => [],
  } as unknown as EnginePort;
  return {
    engine,
    began,
    most: () => most,
    /** Finishes the oldest call under way and lets what it freed begin. */
    async finishOne() {
      pending.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

const spec = (name: string) => ({ name }) as never;

describe('bounded, prioritised engine work', () => {
  it('never more than maxInFlight mutating calls at once; reads pass straight through', async () => {
    const held = heldEngine();
    const work = boundEngineWork(held.engine, { maxInFlight: 3 });
    const calls = Array.from({ length: 10 }, (_, i) => work.start(`c${i}`));
    expect(held.began).toHaveLength(3);
    expect(work.load()).toEqual({ inFlight: 3, queued: 7, maxInFlight: 3 });
    await expect(work.list({})).resolves.toEqual([]);
    for (let i = 0; i < 10; i += 1) await held.finishOne();
    await Promise.all(calls);
    expect(held.most()).toBe(3);
    expect(work.load()).toEqual({ inFlight: 0, queued: 0, maxInFlight: 3 });
  });

  it('a freed slot goes to a restart (start) before queued creates and pulls, then by priority and call order', async () => {
    const held = heldEngine();
    const work = boundEngineWork(held.engine, { maxInFlight: 2 });
    void work.create(spec('busy1'));
    void work.create(spec('busy2'));
    void work.pull('img:1');
    void work.create(spec('new'));
    void work.remove('old');
    void work.start('crashed1');
    void work.stop('stopping');
    void work.start('crashed2');
    for (let i = 0; i < 8; i += 1) await held.finishOne();
    expect(held.began).toEqual([
      'create busy1',
      'create busy2',
      'start crashed1',
      'start crashed2',
      'stop stopping',
      'remove old',
      'create new',
      'pull img:1',
    ]);
  });

  it('pulls and builds never take the last slot: a start gets through while a slow registry answers', async () => {
    const held = heldEngine();
    const work = boundEngineWork(held.engine, { maxInFlight: 2 });
    void work.pull('a:1');
    void work.pull('b:1');
    void work.build({ tag: 'c:1' } as never);
    expect(held.began).toEqual(['pull a:1']);
    void work.start('crashed');
    expect(held.began).toEqual(['pull a:1', 'start crashed']);
  });

  it('a failed call frees its slot and rejects as the engine did', async () => {
    const engine = { start: async () => Promise.reject(new Error('no such container')) } as unknown as EnginePort;
    const work = boundEngineWork(engine, { maxInFlight: 1 });
    await expect(work.start('x')).rejects.toThrow('no such container');
    await expect(work.start('y')).rejects.toThrow('no such container');
    expect(work.load().inFlight).toBe(0);
  });

  it('Infinity means unbounded; less than one is refused', () => {
    const held = heldEngine();
    const work = boundEngineWork(held.engine, { maxInFlight: Infinity });
    for (let i = 0; i < 50; i += 1) void work.start(`c${i}`);
    expect(held.began).toHaveLength(50);
    expect(() => boundEngineWork(held.engine, { maxInFlight: 0 })).toThrow('at least 1');
  });
});
