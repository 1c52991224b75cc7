import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { rm } from 'node:fs/promises';

/**
 * A unix-socket proxy in front of the engine's API, so a scenario can cut podwarden's event
 * streams (and refuse new ones for a while) without touching the engine other tests share.
 * A connection counts as an event stream once a request on it asks for `/events`.
 */
export interface SocketProxy {
  path: string;
  /** Ends every open event stream, as a dropped connection does. */
  cutEvents(): void;
  /** While true, every new event stream is ended as soon as it asks. */
  refuseEvents: boolean;
  /** Event streams refused since the start. */
  readonly refused: number;
  close(): Promise<void>;
}

const EVENTS_REQUEST = /^GET [^ ]*\/events[? ]/m;

export async function startSocketProxy(path: string, target: string): Promise<SocketProxy> {
  await rm(path, { force: true });
  const events = new Set<Socket>();
  const all = new Set<Socket>();
  let refused = 0;
  const proxy: SocketProxy = {
    path,
    refuseEvents: false,
    get refused() {
      return refused;
    },
    cutEvents() {
      for (const socket of events) socket.destroy();
      events.clear();
    },
    async close() {
      for (const socket of all) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(path, { force: true });
    },
  };
  const server: Server = createServer((client) => {
    const upstream = createConnection(target);
    all.add(client);
    all.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      events.delete(client);
      all.delete(client);
      all.delete(upstream);
    };
    client.on('data', (chunk: Buffer) => {
      if (EVENTS_REQUEST.test(chunk.toString('latin1'))) {
        if (proxy.refuseEvents) {
          refused += 1;
          drop();
          return;
        }
        events.add(client);
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    client.on('close', drop);
    upstream.on('close', drop);
    client.on('error', drop);
    upstream.on('error', drop);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve());
  });
  return proxy;
}
