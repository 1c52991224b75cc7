import { request } from 'node:http';
import { REGISTRY, SOCKET_PATH } from './support/env.js';

/**
 * vitest globalSetup of the `podman` project. The podman tests exist to prove podwarden against
 * the real engine, so a missing engine is a failure with instructions, never a silent skip.
 */

const START_COMMAND = 'bash scripts/setup-engine.sh';
// Generous: a loaded machine may take seconds to answer; a missing engine fails at once anyway.
const TIMEOUT_MS = 15_000;

function pingSocket(socketPath: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path: '/_ping', method: 'GET', timeout: TIMEOUT_MS }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => {
        if (res.statusCode === 200 && body.trim() === 'OK') {
          resolve();
        } else {
          reject(new Error(`GET /_ping answered ${res.statusCode}: ${body.trim().slice(0, 200)}`));
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end();
  });
}

async function pingRegistry(registry: string): Promise<void> {
  const response = await fetch(`http://${registry}/v2/`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  if (!response.ok) {
    throw new Error(`GET /v2/ answered ${response.status} (a registry that wants auth is not ours)`);
  }
}

function reason(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
    return `${error.message}${cause}`;
  }
  return String(error);
}

export default async function setup(): Promise<void> {
  const [socket, registry] = await Promise.allSettled([pingSocket(SOCKET_PATH), pingRegistry(REGISTRY)]);
  const missing: string[] = [];
  if (socket.status === 'rejected') {
    missing.push(`- the podman API service on unix://${SOCKET_PATH} (PODWARDEN_SOCKET): ${reason(socket.reason)}`);
  }
  if (registry.status === 'rejected') {
    missing.push(`- the local registry on http://${REGISTRY} (PODWARDEN_REGISTRY): ${reason(registry.reason)}`);
  }
  if (missing.length > 0) {
    throw new Error(
      `The podman tests need a running engine and registry, and these are not reachable:\n${missing.join('\n')}\n` +
        `Start them (as root) with: ${START_COMMAND}`,
    );
  }
}
