import { homedir } from 'node:os';
import { join } from 'node:path';

/** Who podwarden runs as, and the environment it reads its defaults from. */
export interface HostIdentity {
  uid: number;
  env: NodeJS.ProcessEnv;
  home: string;
}

export function currentIdentity(): HostIdentity {
  return { uid: process.getuid?.() ?? 0, env: process.env, home: homedir() };
}

export function isRoot(identity: HostIdentity): boolean {
  return identity.uid === 0;
}

/**
 * Where podwarden keeps its state when not told: the system's place for root, the user's XDG
 * state dir otherwise (a rootless node owner's podwarden cannot write /var/lib).
 */
export function defaultStateDir(identity: HostIdentity = currentIdentity()): string {
  if (isRoot(identity)) return '/var/lib/podwarden';
  return join(identity.env.XDG_STATE_HOME || join(identity.home, '.local/state'), 'podwarden');
}

/** The user's runtime dir (sockets), as systemd's pam module sets it. */
export function runtimeDir(identity: HostIdentity = currentIdentity()): string {
  return identity.env.XDG_RUNTIME_DIR || `/run/user/${identity.uid}`;
}

/** The user's config dir, where user units live (`systemd/user`, `containers/systemd`). */
export function configDir(identity: HostIdentity = currentIdentity()): string {
  return identity.env.XDG_CONFIG_HOME || join(identity.home, '.config');
}
