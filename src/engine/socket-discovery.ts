import { stat } from 'node:fs/promises';
import { currentIdentity, isRoot, runtimeDir, type HostIdentity } from '../host/host-paths.js';

/** One place an engine socket may be, and why it is looked at. */
export interface SocketCandidate {
  path: string;
  from: string;
}

export class SocketNotFoundError extends Error {
  constructor(readonly tried: readonly SocketCandidate[]) {
    super(
      `no engine API socket found; tried ${tried.map((candidate) => `${candidate.path} (${candidate.from})`).join(', ')}. ` +
        "Start podman's API (rootless: systemctl --user enable --now podman.socket; rootful: systemctl enable --now podman.socket) " +
        'or name the socket with --socket or PODWARDEN_SOCKET',
    );
    this.name = 'SocketNotFoundError';
  }
}

/**
 * Where podwarden looks for the engine when not told, in order: rootless podman's own socket
 * for a non-root user, rootful podman's, then Docker's. A socket that is named (`--socket`,
 * else `$PODWARDEN_SOCKET`) is taken as it is: a wrong one then fails loudly with its path.
 */
export function socketCandidates(identity: HostIdentity = currentIdentity()): SocketCandidate[] {
  return [
    ...(isRoot(identity) ? [] : [{ path: `${runtimeDir(identity)}/podman/podman.sock`, from: 'rootless podman' }]),
    { path: '/run/podman/podman.sock', from: 'rootful podman' },
    { path: '/var/run/docker.sock', from: 'Docker' },
  ];
}

async function isSocket(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isSocket();
  } catch {
    return false;
  }
}

/** The engine socket to use: the named one, else the first candidate that exists. */
export async function discoverEngineSocket(
  named: string | undefined,
  identity: HostIdentity = currentIdentity(),
  candidates: SocketCandidate[] = socketCandidates(identity),
): Promise<string> {
  const given = named || identity.env.PODWARDEN_SOCKET;
  if (given) return given;
  for (const candidate of candidates) {
    if (await isSocket(candidate.path)) return candidate.path;
  }
  throw new SocketNotFoundError([
    { path: '--socket', from: 'not given' },
    { path: '$PODWARDEN_SOCKET', from: 'not set' },
    ...candidates.map((candidate) => ({ ...candidate, from: `${candidate.from}: no socket there` })),
  ]);
}
