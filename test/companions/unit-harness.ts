import { createActor, setup, type ActorRefFrom, type AnyActorRef } from 'xstate';
import { companionUnitMachine } from '../../machines/companion-unit.machine.js';
import type { AppInput } from '../../machines/app-knowledge.js';
import { DEFAULT_BACKOFF, type AppEvent, type AppSpec, type PassEntry } from '../../machines/types.js';
import { createUnitEffects } from '../../src/companions/systemd/unit-effects.js';
import type { SystemdUnits } from '../../src/companions/systemd/systemd-units.js';
import { until } from '../support/until.js';
import { UNIT_CASES } from './unit-fixtures.js';

export type ParentMessage =
  { type: 'APP.PASS_ENTRY'; passId: number; entry: PassEntry } | { type: 'APP.FINISHED'; appId: string };

export function companionSpec(name: keyof typeof UNIT_CASES = 'bridge-network', hash = 'h1'): AppSpec {
  const container = UNIT_CASES[name]!;
  return {
    appId: 'lnd/ui',
    container: { ...container, labels: { ...container.labels, 'io.podwarden.spec-hash': hash } },
    image: { ref: container.image, pullPolicy: 'if-not-present' },
    specHash: hash,
  };
}

/** The companion-unit machine with its real effects on `units`, under a parent that keeps what it was told. */
export function startUnit(units: SystemdUnits, input: Partial<AppInput> = {}) {
  const received: ParentMessage[] = [];
  const machine = companionUnitMachine.provide({
    actors: createUnitEffects(units, { podman: { major: 4, minor: 3 } }),
  });
  const parent = setup({ actors: { unit: machine } }).createMachine({
    invoke: {
      src: 'unit',
      id: 'unit',
      input: {
        spec: companionSpec(),
        desired: 'running',
        observation: undefined,
        backoff: DEFAULT_BACKOFF,
        ...input,
      } as AppInput,
    },
    on: {
      'APP.PASS_ENTRY': { actions: ({ event }) => received.push(event as ParentMessage) },
      'APP.FINISHED': { actions: ({ event }) => received.push(event as ParentMessage) },
    },
  });
  const actor = createActor(parent).start();
  const unit = actor.getSnapshot().children.unit as ActorRefFrom<typeof companionUnitMachine>;
  return {
    unit,
    received,
    send: (event: AppEvent) => unit.send(event),
    state: () => unit.getSnapshot().value,
    /**
     * Waits until the machine rests in `state`: effects are promises, and an immediate backoff
     * is a 0 ms timer, which a busy machine may run only after many turns of the event loop.
     */
    async settle(state: string, ms = 30_000): Promise<void> {
      await until(
        () => `companion unit to reach ${state}; it is in ${JSON.stringify(unit.getSnapshot().value)}`,
        () => unit.getSnapshot().value === state,
        ms,
        0,
      );
    },
    stop: () => (actor as AnyActorRef).stop(),
  };
}
