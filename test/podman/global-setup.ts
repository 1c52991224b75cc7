import { pingSocket, reason } from '../support/engine-ping.js';
import { REGISTRY, SOCKET_PATH } from './support/env.js';

/**
 * vitest globalSetup of the `podman` project. The podman tests exist to prove podwarden against
 * the real engine, so a missing engine is a failure with instructions, never a silent skip.
 */

const START_COMMAND = 'bash scripts/setup-engine.sh';
const TIMEOUT_MS = 15_000;

async function pingRegistry(registry: string): Promise<void> {
  const response = await fetch(`http://${registry}/v2/`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  if (!response.ok) {
    throw new Error(`GET /v2/ answered ${response.status} (a registry that wants auth is not ours)`);
  }
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
