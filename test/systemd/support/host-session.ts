import { spawn } from 'node:child_process';
import type { Lane } from '../../lanes/support/lane.js';

/** The outcome of one command run inside the systemd test host. */
export interface HostResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * A shell on the systemd test host (scripts/systemd-host.sh) as the lane's user: root for the
 * rootful lane, `warden` (with its systemd user session) for the rootless one. This is where
 * podwarden runs as a service, as a node owner's host runs it.
 */
export interface HostSession {
  user: string;
  home: string;
  /** `--user` for the rootless lane: the scope of systemctl and of `podwarden service`. */
  scopeFlag: string[];
  exec(argv: string[], input?: string): Promise<HostResult>;
  /** Like exec, but a non-zero exit is an error naming the command and its output. */
  run(argv: string[], input?: string): Promise<string>;
  systemctl(...args: string[]): Promise<HostResult>;
  /** The CLI of the podwarden checkout mounted at /opt/podwarden (its dist/, built by `npm run build`). */
  podwarden(...args: string[]): Promise<HostResult>;
  writeFile(path: string, text: string): Promise<void>;
}

const CHECKOUT = '/opt/podwarden';

export function hostSession(lane: Lane): HostSession {
  if (!lane.hostContainer) throw new Error(`lane ${lane.id} has no systemd host`);
  const user = lane.hostUser?.name ?? 'root';
  const home = lane.hostUser ? `/home/${user}` : '/root';
  const identity = lane.hostUser
    ? ['--user', user, '--env', `XDG_RUNTIME_DIR=/run/user/${lane.hostUser.uid}`, '--env', `USER=${user}`]
    : ['--env', 'USER=root'];
  const scopeFlag = lane.hostUser ? ['--user'] : [];
  const exec = (argv: string[], input?: string) =>
    new Promise<HostResult>((resolve, reject) => {
      const child = spawn(
        'podman',
        [
          'exec',
          '--interactive',
          ...identity,
          '--env',
          `HOME=${home}`,
          '--workdir',
          home,
          lane.hostContainer!,
          ...argv,
        ],
        {
          stdio: ['pipe', 'pipe', 'pipe'],
        },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk) => (stdout += chunk));
      child.stderr.on('data', (chunk) => (stderr += chunk));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
      child.stdin.end(input ?? '');
    });
  const session: HostSession = {
    user,
    home,
    scopeFlag,
    exec,
    async run(argv, input) {
      const result = await exec(argv, input);
      if (result.code !== 0)
        throw new Error(
          `${argv.join(' ')} (as ${user} on the systemd host) exited ${result.code}: ${result.stderr.trim() || result.stdout.trim()}`,
        );
      return result.stdout;
    },
    systemctl: (...args) => exec(['systemctl', ...scopeFlag, ...args]),
    podwarden: (...args) => exec(['node', `${CHECKOUT}/dist/src/cli/main.js`, ...args]),
    async writeFile(path, text) {
      await session.run(['sh', '-c', 'mkdir -p "$(dirname "$1")" && cat > "$1"', 'write', path], text);
    },
  };
  return session;
}
