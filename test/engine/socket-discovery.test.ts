import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { discoverEngineSocket, socketCandidates, SocketNotFoundError } from '../../src/engine/socket-discovery.js';
import { defaultStateDir, type HostIdentity } from '../../src/host/host-paths.js';

const servers: Server[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'podwarden-sockets-'));
  dirs.push(dir);
  return dir;
}

async function listen(path: string): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true });
  const server = createServer();
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(path, resolve));
}

function user(env: NodeJS.ProcessEnv, uid = 1000): HostIdentity {
  return { uid, env, home: '/home/owner' };
}

describe('engine socket discovery', () => {
  it('takes --socket, else $PODWARDEN_SOCKET, as given', async () => {
    expect(await discoverEngineSocket('/x/flag.sock', user({ PODWARDEN_SOCKET: '/x/env.sock' }))).toBe('/x/flag.sock');
    expect(await discoverEngineSocket(undefined, user({ PODWARDEN_SOCKET: '/x/env.sock' }))).toBe('/x/env.sock');
  });

  it("looks at rootless podman's socket first for a user, never for root", () => {
    expect(socketCandidates(user({ XDG_RUNTIME_DIR: '/run/user/1000' })).map((c) => c.path)).toEqual([
      '/run/user/1000/podman/podman.sock',
      '/run/podman/podman.sock',
      '/var/run/docker.sock',
    ]);
    expect(socketCandidates(user({}, 1001))[0]!.path).toBe('/run/user/1001/podman/podman.sock');
    expect(socketCandidates(user({}, 0)).map((c) => c.path)).toEqual([
      '/run/podman/podman.sock',
      '/var/run/docker.sock',
    ]);
  });

  it('picks the first candidate that is a socket, passing over plain files', async () => {
    const dir = await tempDir();
    const identity = user({ XDG_RUNTIME_DIR: dir });
    await writeFile(join(dir, 'not-a-socket'), '');
    await listen(join(dir, 'podman/podman.sock'));
    const candidates = [
      { path: join(dir, 'missing.sock'), from: 'a' },
      { path: join(dir, 'not-a-socket'), from: 'b' },
      ...socketCandidates(identity),
    ];
    expect(await discoverEngineSocket(undefined, identity, candidates)).toBe(join(dir, 'podman/podman.sock'));
  });

  it('names everything it tried when nothing answers', async () => {
    const dir = await tempDir();
    const error = await discoverEngineSocket(undefined, user({}), [
      { path: join(dir, 'gone.sock'), from: 'rootless podman' },
    ]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SocketNotFoundError);
    const message = (error as Error).message;
    for (const part of [
      '--socket',
      '$PODWARDEN_SOCKET',
      join(dir, 'gone.sock'),
      'systemctl --user enable --now podman.socket',
    ]) {
      expect(message).toContain(part);
    }
  });
});

describe('default state dir', () => {
  it('is /var/lib/podwarden for root and the XDG state dir for a user', () => {
    expect(defaultStateDir(user({}, 0))).toBe('/var/lib/podwarden');
    expect(defaultStateDir(user({}))).toBe('/home/owner/.local/state/podwarden');
    expect(defaultStateDir(user({ XDG_STATE_HOME: '/data/state' }))).toBe('/data/state/podwarden');
  });
});
