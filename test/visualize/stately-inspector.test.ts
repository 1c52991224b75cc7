import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { assign, createActor, setup } from 'xstate';
import { startInspector, type RunningInspector } from '../../src/inspect/stately-inspector.js';

interface Message {
  type: string;
  sessionId: string;
  name?: string;
  event?: { type: string };
  snapshot?: { value?: unknown; context?: unknown; status?: string };
  definition?: string;
}

/** A ws client that keeps every message and can wait for one that matches. */
async function connect(port: number, headers: Record<string, string> = {}) {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/`, { headers });
  const raw: string[] = [];
  const waiters: (() => void)[] = [];
  socket.on('message', (data) => {
    raw.push(data.toString());
    waiters.splice(0).forEach((wake) => wake());
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  const messages = (): Message[] => raw.map((text) => JSON.parse(text) as Message);
  return {
    socket,
    raw,
    messages,
    async waitFor(predicate: (message: Message) => boolean): Promise<Message> {
      const deadline = Date.now() + 5_000;
      for (;;) {
        const found = messages().find(predicate);
        if (found) return found;
        if (Date.now() > deadline)
          throw new Error(`no such message; got ${JSON.stringify(messages().map((m) => [m.type, m.event?.type]))}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 100);
        });
      }
    },
  };
}

const doorbell = setup({
  types: {
    context: {} as { rings: number; spec: { container: { env: Record<string, string> } } },
    events: {} as { type: 'TICK' } | { type: 'RING' } | { type: 'ANSWER' } | { type: 'NOTHING' },
  },
}).createMachine({
  id: 'doorbell',
  initial: 'quiet',
  context: { rings: 0, spec: { container: { env: { DB_PASSWORD: 'hunter2' } } } },
  states: {
    quiet: {
      on: {
        RING: { target: 'ringing', actions: assign({ rings: ({ context }) => context.rings + 1 }) },
        TICK: { actions: assign({ rings: ({ context }) => context.rings }) },
      },
    },
    ringing: { on: { ANSWER: 'quiet' } },
  },
});

describe('the Stately inspector', () => {
  let inspector: RunningInspector | undefined;

  afterEach(async () => {
    await inspector?.stop();
    inspector = undefined;
  });

  it('streams an actor to a WebSocket client, without TICK noise and without secrets', async () => {
    inspector = await startInspector({ port: 0 });
    expect(inspector.url).toBe(`http://127.0.0.1:${inspector.port}/`);
    const client = await connect(inspector.port);

    const actor = createActor(doorbell, { inspect: inspector.inspect }).start();
    actor.send({ type: 'TICK' });
    actor.send({ type: 'NOTHING' });
    actor.send({ type: 'RING' });
    actor.send({ type: 'TICK' });
    actor.send({ type: 'ANSWER' });

    const registered = await client.waitFor(
      (message) => message.type === '@xstate.actor' && message.name === 'doorbell',
    );
    expect(registered.sessionId).toBe(actor.sessionId);
    await client.waitFor((message) => message.type === '@xstate.event' && message.event?.type === 'RING');
    await client.waitFor(
      (message) =>
        message.type === '@xstate.snapshot' && message.event?.type === 'ANSWER' && message.snapshot?.value === 'quiet',
    );
    const ringing = await client.waitFor(
      (message) => message.type === '@xstate.snapshot' && message.event?.type === 'RING',
    );
    expect(ringing.snapshot?.value).toBe('ringing');
    expect(ringing.snapshot?.context).toEqual({ rings: 1, spec: { container: { env: '[redacted]' } } });

    const mine = client.messages().filter((message) => message.sessionId === actor.sessionId);
    expect(mine.filter((message) => message.event?.type === 'TICK')).toEqual([]);
    // An event that changes nothing produces no snapshot.
    expect(mine.filter((message) => message.type === '@xstate.snapshot' && message.event?.type === 'NOTHING')).toEqual(
      [],
    );
    expect(mine.some((message) => message.type === '@xstate.event' && message.event?.type === 'NOTHING')).toBe(true);
    expect(client.raw.join('\n')).not.toContain('hunter2');
    actor.stop();
    client.socket.close();
  });

  it('keeps the snapshot of a TICK that moves the machine (a pass starting), not the TICK event', async () => {
    inspector = await startInspector({ port: 0 });
    const client = await connect(inspector.port);
    const ticking = setup({ types: { events: {} as { type: 'TICK' } } }).createMachine({
      id: 'ticking',
      initial: 'idle',
      states: { idle: { on: { TICK: 'observing' } }, observing: { on: { TICK: {} } } },
    });
    const actor = createActor(ticking, { inspect: inspector.inspect }).start();
    actor.send({ type: 'TICK' });
    actor.send({ type: 'TICK' });
    const moved = await client.waitFor(
      (message) => message.type === '@xstate.snapshot' && message.event?.type === 'TICK',
    );
    expect(moved.snapshot?.value).toBe('observing');
    actor.stop();
    await client.waitFor((message) => message.type === '@xstate.snapshot' && message.event?.type === 'xstate.stop');
    const ticks = client.messages().filter((message) => message.event?.type === 'TICK');
    expect(ticks.map((message) => message.type)).toEqual(['@xstate.snapshot']);
    client.socket.close();
  });

  it('shows a late client every live actor in its current state', async () => {
    inspector = await startInspector({ port: 0 });
    const early = await connect(inspector.port);
    const actor = createActor(doorbell, { inspect: inspector.inspect }).start();
    actor.send({ type: 'RING' });
    await early.waitFor((message) => message.type === '@xstate.snapshot' && message.event?.type === 'RING');

    const late = await connect(inspector.port);
    const replayed = await late.waitFor(
      (message) => message.type === '@xstate.actor' && message.sessionId === actor.sessionId,
    );
    expect(replayed.snapshot?.value).toBe('ringing');
    expect(replayed.definition).toBeDefined();
    expect(replayed.definition).not.toContain('hunter2');

    actor.stop();
    const afterStop = await connect(inspector.port);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const replays = afterStop.messages().filter((message) => message.type === '@xstate.actor');
    expect(replays.filter((message) => message.sessionId === actor.sessionId)).toEqual([]);
    for (const client of [early, late, afterStop]) client.socket.close();
  });

  it('serves the bridge page on loopback and refuses other origins', async () => {
    inspector = await startInspector({ port: 0 });
    const page = await fetch(inspector.url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('https://stately.ai/inspect');

    const sameOrigin = await connect(inspector.port, { Origin: `http://127.0.0.1:${inspector.port}` });
    sameOrigin.socket.close();
    await expect(connect(inspector.port, { Origin: 'http://evil.example' })).rejects.toThrow(/401/);
    await expect(connect(inspector.port, { Host: `attacker.example:${inspector.port}` })).rejects.toThrow(/401/);
  });

  it('says which port is taken', async () => {
    inspector = await startInspector({ port: 0 });
    await expect(startInspector({ port: inspector.port })).rejects.toThrow(
      `cannot start the Stately inspector on 127.0.0.1:${inspector.port}: the port is in use`,
    );
  });
});
