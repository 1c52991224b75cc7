import { describe, expect, it } from 'vitest';
import { AppRig, modelEnd } from './app-rig.js';
import type { Sighting, WorldEvent } from './app-world.js';
import { SupervisorRig } from './supervisor-rig.js';
import { stepSupervisorWorld, initialSupervisorWorld, type SupervisorWorldEvent } from './supervisor-world.js';

/**
 * The smallest reproductions of what the model-based tests found, one per finding, so each
 * reads on its own. Every step of each path is checked against the model by the rigs.
 */

const installAndGetToStart: WorldEvent[] = [
  { type: 'BOOT', desired: 'running', sighting: 'none' },
  { type: 'ENGINE.OK' }, // pull
  { type: 'ENGINE.OK' }, // create
  { type: 'ENGINE.OK' }, // render (the pre-start hook)
];

describe('app machine: what arrives while start is under way decides what follows it', () => {
  // [what arrives, where the app must go once start answered and a look confirmed it, the event, what the look sees]
  const cases: Array<[string, string, WorldEvent, Sighting]> = [
    ['the owner stops the app', 'stopping', { type: 'SET_DESIRED', desired: 'stopped' }, 'running'],
    ['the owner uninstalls the app', 'removing', { type: 'SET_DESIRED', desired: 'absent' }, 'running'],
    ['the manifest changes', 'recreating', { type: 'UPDATE_SPEC' }, 'running-outdated'],
    [
      "the container is removed behind podwarden's back",
      'pulling',
      // Dropped during the step: the look that confirms the start sees it gone.
      { type: 'LOOKED', sighting: 'none', age: 'fresh' },
      'none',
    ],
  ];
  it.each(cases)(
    'when %s, the app goes on to %s once start answers, not to running',
    async (_what, expected, during, seen) => {
      const path: WorldEvent[] = [
        ...installAndGetToStart,
        during,
        { type: 'ENGINE.OK' },
        { type: 'LOOKED', sighting: seen, age: 'fresh' },
      ];
      expect(modelEnd(path).phase).toBe(expected);
      const divergence = await new AppRig().replay(path);
      expect(divergence, divergence).toBeUndefined();
    },
  );
});

describe('app machine: a container made while the manifest changed', () => {
  it('is known as made from the older manifest, so it is replaced once started', async () => {
    const path: WorldEvent[] = [
      { type: 'BOOT', desired: 'running', sighting: 'none' },
      { type: 'ENGINE.OK' }, // pull
      { type: 'UPDATE_SPEC' }, // while create runs with the previous spec
      { type: 'ENGINE.OK' }, // create: the container carries the previous spec's hash
      { type: 'ENGINE.OK' }, // render
      { type: 'ENGINE.OK' }, // start
      { type: 'LOOKED', sighting: 'running-outdated', age: 'fresh' }, // confirms it, made from the older manifest
    ];
    expect(modelEnd(path).phase).toBe('recreating');
    const divergence = await new AppRig().replay(path);
    expect(divergence, divergence).toBeUndefined();
  });
});

describe('app machine: a pass that listed the engine before the last look it believed', () => {
  // Up long enough that the last step (the start) is far behind; then a look sees it dead.
  const runningThenDies: WorldEvent[] = [
    ...installAndGetToStart,
    { type: 'ENGINE.OK' }, // start
    { type: 'LOOKED', sighting: 'running', age: 'fresh' },
    { type: 'TIME.STABLE' },
    { type: 'LOOKED', sighting: 'exited', age: 'fresh' },
  ];

  it('does not undo the die: after the backoff the container is started again, not believed running', async () => {
    // The pass listed the engine after the start but before the die, and its answer arrives
    // during the backoff: it still shows the container running.
    const path: WorldEvent[] = [
      ...runningThenDies,
      { type: 'OBSERVED', sighting: 'running', age: 'stale' },
      { type: 'TIME.BACKOFF' },
    ];
    expect(modelEnd(path).phase).toBe('rendering');
    const divergence = await new AppRig().replay(path);
    expect(divergence, divergence).toBeUndefined();
  });

  it('does not make a stopped app stop a container it knows has exited', async () => {
    const path: WorldEvent[] = [
      ...installAndGetToStart,
      { type: 'ENGINE.OK' }, // start
      { type: 'LOOKED', sighting: 'running', age: 'fresh' },
      { type: 'SET_DESIRED', desired: 'stopped' },
      { type: 'ENGINE.OK' }, // stop
      { type: 'TIME.PASSES' },
      { type: 'LOOKED', sighting: 'exited', age: 'fresh' },
      { type: 'OBSERVED', sighting: 'running', age: 'stale' },
    ];
    expect(modelEnd(path).phase).toBe('stopped');
    const divergence = await new AppRig().replay(path);
    expect(divergence, divergence).toBeUndefined();
  });
});

describe('app machine: a look asked before a pass it believed', () => {
  it('does not revive a container the pass saw exited: after the backoff it is started again', async () => {
    // A pass sees the container exited (a crash: backoff); then a look, asked of the engine
    // before that pass listed it, answers that it runs.
    const path: WorldEvent[] = [
      ...installAndGetToStart,
      { type: 'ENGINE.OK' }, // start
      { type: 'OBSERVED', sighting: 'exited', age: 'fresh' },
      { type: 'LOOKED', sighting: 'running', age: 'stale' },
      { type: 'TIME.BACKOFF' },
    ];
    expect(modelEnd(path).phase).toBe('rendering');
    const divergence = await new AppRig().replay(path);
    expect(divergence, divergence).toBeUndefined();
  });

  it('does not forget a container a pass saw after the look was asked', async () => {
    const path: WorldEvent[] = [
      ...installAndGetToStart,
      { type: 'ENGINE.OK' }, // start
      { type: 'OBSERVED', sighting: 'running', age: 'fresh' },
      { type: 'LOOKED', sighting: 'none', age: 'stale' },
    ];
    expect(modelEnd(path).phase).toBe('running.settling');
    const divergence = await new AppRig().replay(path);
    expect(divergence, divergence).toBeUndefined();
  });
});

describe('supervisor: a pass requested while a pass lists the engine', () => {
  const cases: Array<[string, SupervisorWorldEvent]> = [
    ['a tick', { type: 'TICK' }],
    ['a reconnection of the event stream', { type: 'ENGINE.CONNECTED', reconnect: true }],
    ['an install', { type: 'INSTALL', app: 'b' }],
  ];
  it.each(cases)('runs right after that pass when the request is %s', async (_what, during) => {
    const path: SupervisorWorldEvent[] = [
      { type: 'BOOT', holdGate: false },
      { type: 'RECOVER.OK' },
      { type: 'TICK' }, // the pass's list call goes out
      during, // its answer can no longer show what this request is about
      { type: 'OBSERVE.OK' },
      { type: 'CHILD.ANSWER', app: 'a' }, // the pass is complete
    ];
    const end = path.reduce((world, event) => stepSupervisorWorld(world, event).world, initialSupervisorWorld());
    expect(end.phase).toBe('supervising.listing');
    const divergence = await new SupervisorRig().replay(path);
    expect(divergence, divergence).toBeUndefined();
  });
});
