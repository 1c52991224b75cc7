import Docker from 'dockerode';
import type { Lane } from './lane.js';

/**
 * "The outside world" on any lane: an operator or a crash doing things to containers behind
 * podwarden's back, through the lane's own API socket (the outer podman CLI cannot be used on
 * every lane: podman 4.3's remote client panics reading podman 5's events, and Docker has its
 * own CLI). Kill and remove use podman's libpod endpoints there: its Docker-compatible kill
 * waits until the container stays down, which podwarden never lets happen.
 */
export interface Outside {
  kill(name: string, signal?: string): Promise<void>;
  /** Removes at once, running or not (SIGKILL, no grace period). */
  removeForce(name: string): Promise<void>;
  pause(name: string): Promise<void>;
  /** null when there is no such container. */
  inspect(name: string): Promise<Inspected | null>;
  /** Every container (any state) carrying `label=value`. */
  containersWithLabel(label: string, value: string): Promise<Listed[]>;
  /** Force-removes every container carrying `label=value`; resolves with how many there were. */
  removeAllWithLabel(label: string, value: string): Promise<number>;
  imageExists(ref: string): Promise<boolean>;
  /** A missing image is not an error. */
  removeImage(ref: string): Promise<void>;
}

/** The part of an inspect that tests read (Docker-compatible shape, on every lane). */
export interface Inspected {
  Id: string;
  RestartCount: number;
  State: { Status: string; Running: boolean; Paused: boolean; StartedAt: string };
  Config: { Labels: Record<string, string> | null };
}

export interface Listed {
  id: string;
  /** Without Docker's leading slash. */
  names: string[];
  state: string;
  labels: Record<string, string>;
}

const LIBPOD = '/v4.0.0/libpod';

export function outside(lane: Lane): Outside {
  const docker = new Docker({ socketPath: lane.socketPath });
  const dial = (method: 'POST' | 'DELETE', path: string, options: Record<string, unknown>) =>
    new Promise<void>((resolve, reject) => {
      docker.modem.dial(
        {
          path: `${path}?`,
          method,
          options,
          statusCodes: {
            200: true,
            204: true,
            304: true,
            404: 'no such container',
            409: 'conflict',
            500: 'server error',
          },
        },
        (error: unknown) => (error ? reject(error) : resolve()),
      );
    });
  const notFound = (error: unknown) => (error as { statusCode?: number }).statusCode === 404;

  const api: Outside = {
    kill(name, signal = 'SIGKILL') {
      if (lane.flavor === 'podman')
        return dial('POST', `${LIBPOD}/containers/${encodeURIComponent(name)}/kill`, { signal });
      return docker
        .getContainer(name)
        .kill({ signal })
        .then(() => undefined);
    },
    async removeForce(name) {
      try {
        if (lane.flavor === 'podman')
          await dial('DELETE', `${LIBPOD}/containers/${encodeURIComponent(name)}`, { force: true, timeout: 0 });
        else await docker.getContainer(name).remove({ force: true });
      } catch (error) {
        if (!notFound(error)) throw error;
      }
    },
    pause: (name) =>
      docker
        .getContainer(name)
        .pause()
        .then(() => undefined),
    async inspect(name) {
      try {
        return (await docker.getContainer(name).inspect()) as unknown as Inspected;
      } catch (error) {
        if (notFound(error)) return null;
        throw error;
      }
    },
    async containersWithLabel(label, value) {
      const list = await docker.listContainers({ all: true, filters: { label: [`${label}=${value}`] } });
      return list.map((entry) => ({
        id: entry.Id,
        names: (entry.Names ?? []).map((name) => name.replace(/^\//, '')),
        state: entry.State,
        labels: entry.Labels ?? {},
      }));
    },
    async removeAllWithLabel(label, value) {
      const found = await api.containersWithLabel(label, value);
      await Promise.all(found.map((container) => api.removeForce(container.id)));
      return found.length;
    },
    async imageExists(ref) {
      try {
        await docker.getImage(ref).inspect();
        return true;
      } catch (error) {
        if (notFound(error)) return false;
        throw error;
      }
    },
    async removeImage(ref) {
      try {
        await docker.getImage(ref).remove({ force: true });
      } catch (error) {
        if (!notFound(error)) throw error;
      }
    },
  };
  return api;
}
