import path from 'node:path';
import { isInside } from '../manifest/inside.js';

/**
 * Host paths no policy can allow an app to bind, because binding them hands over the host or
 * podwarden itself: the engine's socket (root on the host), `/`, the kernel's interfaces, and
 * podwarden's own state (its desired state, journal, secrets, other apps' data, the catalog
 * and the policy). A bind is refused when its source is such a path, holds one (binding /run
 * holds the engine socket), or, for folders whose whole content is protected, lies below one.
 */
export interface ProtectedPath {
  path: string;
  why: string;
  /** Everything below is protected too (a folder); otherwise only the path and what holds it. */
  below: boolean;
}

/** Engine sockets of podman, Docker, containerd and CRI-O, wherever distributions put them. */
export const ENGINE_SOCKETS = [
  '/run/podman/podman.sock',
  '/var/run/podman/podman.sock',
  '/run/docker.sock',
  '/var/run/docker.sock',
  '/run/containerd/containerd.sock',
  '/var/run/containerd/containerd.sock',
  '/run/crio/crio.sock',
  '/var/run/crio/crio.sock',
];

// Rootless engines listen in each user's runtime dir: /run/user/1000/podman/podman.sock.
const USER_ENGINE_SOCKET = /^\/run\/user(?:\/\d+(?:\/(?:podman(?:\/podman\.sock)?|docker\.sock))?)?$/;

// Where engines keep images, containers and registry credentials: writing there is writing into other containers.
const ENGINE_STATE = [
  { path: '/var/lib/containers', why: "podman's storage" },
  { path: '/run/containers', why: "podman's runtime state and registry credentials" },
  { path: '/etc/containers', why: "podman's configuration" },
  { path: '/var/lib/docker', why: "Docker's storage" },
];

const KERNEL = [
  { path: '/proc', why: "the kernel's process interface" },
  { path: '/sys', why: "the kernel's device and settings interface" },
  { path: '/dev', why: "the host's devices (devices are not bind mounts)" },
  { path: '/boot', why: "the host's boot files" },
];

export interface PodwardenPaths {
  stateDir: string;
  dataDir: string;
  secretsDir: string;
  catalogDir: string;
  policyFile?: string;
  /** The engine socket podwarden itself uses, when it is not one of ENGINE_SOCKETS. */
  engineSocket?: string;
}

export function protectedPaths(own: PodwardenPaths): ProtectedPath[] {
  const absolute = (p: string) => path.resolve(p);
  return [
    ...[...ENGINE_SOCKETS, ...(own.engineSocket ? [absolute(own.engineSocket)] : [])].map((socket) => ({
      path: socket,
      why: "the container engine's socket (whoever holds it is root on the host)",
      below: false,
    })),
    ...[...ENGINE_STATE, ...KERNEL].map((entry) => ({ ...entry, below: true })),
    { path: absolute(own.stateDir), why: "podwarden's state dir", below: true },
    {
      path: absolute(own.dataDir),
      why: "the apps' data dirs (an app reaches its own through ./ volumes)",
      below: true,
    },
    { path: absolute(own.secretsDir), why: "podwarden's secrets dir", below: true },
    { path: absolute(own.catalogDir), why: 'the catalog', below: true },
    ...(own.policyFile ? [{ path: absolute(own.policyFile), why: "the owner's host policy", below: false }] : []),
  ];
}

/** Why `source` (absolute, normalised) may never be bound, or undefined when a policy may allow it. */
export function neverAllowed(source: string, protectedList: readonly ProtectedPath[]): string | undefined {
  if (source === '/') return "it is the host's root";
  if (USER_ENGINE_SOCKET.test(source))
    return "it is or holds a user's container engine socket (whoever holds it controls that engine)";
  for (const entry of protectedList) {
    if (source === entry.path) return `it is ${entry.why}`;
    if (isInside(source, entry.path)) return `it holds ${entry.path}, ${entry.why}`;
    if (entry.below && isInside(entry.path, source)) return `it is inside ${entry.path}, ${entry.why}`;
  }
  return undefined;
}
