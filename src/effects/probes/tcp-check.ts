import { connect } from 'node:net';
import type { CheckOutcome } from './http-check.js';

/** One TCP connect: passes when the port accepts a connection within the timeout. */
export function tcpCheck(host: string, port: number, timeoutMs: number): Promise<CheckOutcome> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    const finish = (outcome: CheckOutcome) => {
      socket.destroy();
      resolve(outcome);
    };
    socket.once('connect', () => finish({ ok: true, output: `connected to ${host}:${port}` }));
    socket.once('timeout', () => finish({ ok: false, output: `no connection within ${timeoutMs} ms` }));
    socket.once('error', (error) => finish({ ok: false, output: error.message }));
  });
}
