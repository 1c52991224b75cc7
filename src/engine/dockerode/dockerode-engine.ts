import { statfs } from 'node:fs/promises';
import { Agent } from 'node:http';
import { inspect } from 'node:util';
// Before dockerode: defers its BuildKit session and docker-modem's ssh transport to first use.
import './unused-transports.js';
import Docker from 'dockerode';
import { Observable } from 'rxjs';
import { withDeadline, type OpenStream } from './call-deadline.js';
import { runExec } from './exec-run.js';
import {
  observationFromInspect,
  observationFromLibpodListEntry,
  observationFromListEntry,
} from './container-observation.js';
import { containerCreateBody } from './create-body.js';
import { containerLogs } from './container-logs.js';
import { dialJson } from './dockerode-dial.js';
import { containerEventStream } from './dockerode-events.js';
import { engineMessageOf, httpStatusOf, isMissingImage, isNameConflict, type CallContext } from './engine-errors.js';
import { EngineFactsCache, fetchEngineFacts } from './engine-facts.js';
import { hasLabels, labelFilters } from './label-selector.js';
import { adoptOrRefuseName } from '../name-conflict.js';
import { EngineError } from '../../domain/engine-error.js';
import {
  type BuildSpec,
  type EngineEvent,
  type EngineInfo,
  type ExecResult,
  type ImageIdentity,
  type EnginePort,
  type LogLine,
  type LogOptions,
  type PullOptions,
  type StorageSpace,
} from '../port.js';
import { type ContainerObservation } from '../../domain/container-observation.js';
import { type ContainerSpec } from '../../domain/container-spec.js';
import { buildImage, pullImage, type ImageStreamDeps } from './pull-and-build.js';
import { imageIdentityOf, imageIdOfInspect } from './image-identity.js';

export interface DockerodeEngineOptions {
  /** The Docker-compatible API socket, e.g. /run/podman/podman.sock. */
  socketPath: string;
  /**
   * How long one API call may take before the engine counts as unreachable. Streams (pull,
   * build, events) only wait this long for the engine to accept them; a pull may then take
   * as long as the registry needs. Stops get their grace period on top.
   */
  apiTimeoutMs?: number;
}

const DEFAULT_API_TIMEOUT_MS = 30_000;
/** What podman and Docker wait for a container without its own StopTimeout. */
const DEFAULT_STOP_TIMEOUT_SECONDS = 10;

/**
 * The engine port over dockerode, for podman's Docker-compatible API (and Docker itself).
 * Podman-only libpod endpoints are used where the compat API falls short: pulls from
 * insecure registries (compat ignores tlsVerify) and listing (compat omits health).
 */
export function createDockerodeEngine(options: DockerodeEngineOptions): EnginePort {
  return new DockerodeEngine(options);
}

class DockerodeEngine implements EnginePort {
  private readonly docker: Docker;
  private readonly socketPath: string;
  private readonly apiTimeoutMs: number;
  private readonly facts: EngineFactsCache;
  /** Asked once: the engine's storage never moves while it runs. */
  private storageRoot: Promise<string> | undefined;
  /** What pulls and builds use of this adapter (pull-and-build.ts). */
  private readonly images: ImageStreamDeps;

  constructor(options: DockerodeEngineOptions) {
    this.socketPath = options.socketPath;
    this.apiTimeoutMs = options.apiTimeoutMs ?? DEFAULT_API_TIMEOUT_MS;
    // One connection per request: Node 20's global agent keeps sockets alive, and reusing a
    // pooled socket that podman closed meanwhile (a service restart) can fail the next call
    // with ECONNRESET. Unix socket connections cost next to nothing.
    const agent = new Agent({ keepAlive: false });
    // docker-modem formats every request's options, this agent included, for its debug log even
    // when that log is off (util.inspect with hidden fields, unbounded depth). The agent holds the
    // live sockets (the events stream's among them): ~75 kB of text and ~10 ms per call, over a
    // third of the daemon's CPU at rest.
    Object.defineProperty(agent, inspect.custom, { value: () => 'Agent { keepAlive: false }' });
    this.docker = new Docker({ socketPath: options.socketPath, agent } as Docker.DockerOptions);
    this.facts = new EngineFactsCache(() => fetchEngineFacts(this.docker, this.socketPath, this.apiTimeoutMs));
    this.images = {
      docker: this.docker,
      socketPath: this.socketPath,
      facts: this.facts,
      openStream: this.openStream,
      imageExists: (ref) => this.imageExists(ref),
    };
  }

  /** Always asks the engine (a health probe must not be answered from memory). */
  async ping(): Promise<EngineInfo> {
    const { flavor, version, rootless, runsHealthchecks } = await this.facts.refresh();
    return { flavor, version, rootless, runsHealthchecks };
  }

  async imageExists(ref: string): Promise<boolean> {
    return this.call({ action: `lookup of image ${ref}` }, async (abortSignal) => {
      try {
        await dialJson(this.docker, {
          path: `/images/${ref}/json`,
          method: 'GET',
          options: {},
          abortSignal,
          statusCodes: { 200: true, 404: 'no such image', 500: 'server error' },
        });
        return true;
      } catch (error) {
        if (httpStatusOf(error) === 404) return false;
        throw error;
      }
    });
  }

  pull(ref: string, options: PullOptions = {}): Promise<void> {
    return pullImage(this.images, ref, options);
  }

  build(spec: BuildSpec, options: PullOptions = {}): Promise<void> {
    return buildImage(this.images, spec, options);
  }

  /**
   * The image store is `DockerRootDir` of `GET /info` (podman's compat answer puts its
   * GraphRoot there, e.g. /var/lib/containers/storage). Its free space is read with statfs on
   * this host: the engine's socket is local, so the path is too. A path that is not here (an
   * engine reached through a forwarded socket) gives no free-space figure rather than a wrong one.
   */
  async storageSpace(): Promise<StorageSpace> {
    this.storageRoot ??= this.call({ action: 'info' }, async (abortSignal) => {
      const info = await dialJson(this.docker, {
        path: '/info',
        method: 'GET',
        options: {},
        abortSignal,
        statusCodes: { 200: true, 500: 'server error' },
      });
      const root = (info as { DockerRootDir?: unknown } | null)?.DockerRootDir;
      if (typeof root !== 'string' || root === '') {
        throw new EngineError('engine', 'info: the engine did not say where it stores images (no DockerRootDir)');
      }
      return root;
    });
    const pending = this.storageRoot;
    pending.catch(() => {
      if (this.storageRoot === pending) this.storageRoot = undefined;
    });
    const root = await pending;
    try {
      const fs = await statfs(root);
      return { root, freeBytes: fs.bavail * fs.bsize };
    } catch {
      return { root };
    }
  }

  async create(spec: ContainerSpec): Promise<{ id: string }> {
    const action = `create of container ${spec.name} (image ${spec.image})`;
    const body = containerCreateBody(spec);
    // Two rounds: a conflicting container may vanish between the failed create and the
    // inspect (a concurrent remove); then the name is free and the create is tried again.
    for (let round = 0; round < 2; round++) {
      try {
        const created = await this.call({ action }, async (abortSignal) => {
          try {
            return await dialJson(this.docker, {
              path: '/containers/create?',
              method: 'POST',
              // Name in the query, spec in the body: dockerode's createContainer would also
              // copy the whole body (env values included) into the URL.
              options: { _query: { name: spec.name }, _body: body },
              abortSignal,
              statusCodes: {
                200: true,
                201: true,
                400: 'bad parameter',
                404: 'no such image',
                409: 'conflict',
                500: 'server error',
              },
            });
          } catch (error) {
            if (isMissingImage(error)) {
              throw new EngineError(
                'image-not-found',
                `${action}: image ${spec.image} is not in the engine's storage (pull it first): ${engineMessageOf(error)}`,
                error,
              );
            }
            throw error;
          }
        });
        const id = (created as { Id?: unknown } | null)?.Id;
        if (typeof id !== 'string' || id === '') {
          throw new EngineError('engine', `${action}: the engine answered without a container id`);
        }
        return { id };
      } catch (error) {
        const cause = error instanceof EngineError ? error.cause : error;
        if (!isNameConflict(cause)) throw error;
        const existing = await this.inspect(spec.name);
        if (existing === null) continue;
        return adoptOrRefuseName(action, spec, existing, cause);
      }
    }
    throw new EngineError(
      'name-conflict',
      `${action}: the name ${spec.name} stayed taken while the container holding it kept disappearing`,
    );
  }

  async start(id: string): Promise<void> {
    await this.call({ action: `start of container ${id}` }, async (abortSignal) => {
      try {
        await this.docker.getContainer(id).start({ abortSignal });
      } catch (error) {
        if (httpStatusOf(error) === 304) return; // already running
        throw error;
      }
    });
  }

  async stop(id: string, options: { timeoutSeconds?: number } = {}): Promise<void> {
    const timeoutSeconds = options.timeoutSeconds;
    // The engine waits the grace period before it kills: give the call that long on top.
    // Without an explicit one the container's own StopTimeout applies, so read it.
    const graceSeconds = timeoutSeconds ?? (await this.stopTimeoutOf(id)) ?? DEFAULT_STOP_TIMEOUT_SECONDS;
    const graceMs = graceSeconds * 1000;
    await this.call(
      { action: `stop of container ${id}` },
      async (abortSignal) => {
        try {
          await this.docker
            .getContainer(id)
            .stop(timeoutSeconds === undefined ? { abortSignal } : { t: timeoutSeconds, abortSignal });
        } catch (error) {
          if (httpStatusOf(error) === 304) return; // already stopped
          throw error;
        }
      },
      this.apiTimeoutMs + graceMs,
    );
  }

  /** The container's configured StopTimeout; undefined when it cannot be read (stop reports why). */
  private async stopTimeoutOf(id: string): Promise<number | undefined> {
    try {
      const raw = await this.call({ action: `inspect of container ${id}` }, (abortSignal) =>
        this.docker.getContainer(id).inspect({ abortSignal }),
      );
      const value: unknown = (raw.Config as { StopTimeout?: unknown } | undefined)?.StopTimeout;
      return typeof value === 'number' && value >= 0 ? value : undefined;
    } catch {
      return undefined;
    }
  }

  async remove(id: string): Promise<void> {
    await this.call({ action: `removal of container ${id}` }, async (abortSignal) => {
      try {
        await this.docker.getContainer(id).remove({ force: true, v: false, abortSignal });
      } catch (error) {
        if (httpStatusOf(error) === 404) return; // already gone
        throw error;
      }
    });
  }

  async inspect(idOrName: string): Promise<ContainerObservation | null> {
    return this.call({ action: `inspect of container ${idOrName}` }, async (abortSignal) => {
      try {
        return observationFromInspect(await this.docker.getContainer(idOrName).inspect({ abortSignal }));
      } catch (error) {
        if (httpStatusOf(error) === 404) return null;
        throw error;
      }
    });
  }

  /** Two calls: the container's image id (`Image`), then that image's `RepoDigests`. */
  async containerImage(idOrName: string): Promise<ImageIdentity | null> {
    return this.call({ action: `lookup of the image of container ${idOrName}` }, async (abortSignal) => {
      let id: string;
      try {
        id = imageIdOfInspect(await this.docker.getContainer(idOrName).inspect({ abortSignal }));
      } catch (error) {
        if (httpStatusOf(error) === 404) return null;
        throw error;
      }
      const image = await dialJson(this.docker, {
        path: `/images/${id}/json`,
        method: 'GET',
        options: {},
        abortSignal,
        statusCodes: { 200: true, 404: 'no such image', 500: 'server error' },
      });
      return imageIdentityOf(image, id);
    });
  }

  async exec(id: string, command: string[], options: { timeoutMs: number }): Promise<ExecResult> {
    return this.call(
      { action: `exec of ${JSON.stringify(command.join(' '))} in container ${id}` },
      (abortSignal) => runExec(this.docker.getContainer(id), command, options.timeoutMs, abortSignal),
      options.timeoutMs + this.apiTimeoutMs,
    );
  }

  /**
   * On podman the libpod list is used: podman 4.3's compat list has no health at all (its
   * Status text is "Up 5 seconds" even for an unhealthy container), while the libpod list
   * carries health, exit code, pid and start/exit times. Docker's compat list puts health
   * and exit code into the Status text. Either way: one call. The label filter is applied
   * again here, so "carries all labels" holds whatever the engine does with several filters.
   */
  async list(labels: Record<string, string>): Promise<ContainerObservation[]> {
    const facts = await this.facts.load();
    const filters: Record<string, string[]> = labelFilters(labels).length > 0 ? { label: labelFilters(labels) } : {};
    const action = `listing of containers labelled ${labelFilters(labels).join(', ') || '(any)'}`;
    const entries = await this.call({ action }, async (abortSignal) => {
      if (facts.flavor === 'podman' && facts.libpodApiVersion !== undefined) {
        const raw = await dialJson(this.docker, {
          path: `/v${facts.libpodApiVersion}/libpod/containers/json?`,
          method: 'GET',
          options: { all: true, filters },
          abortSignal,
          statusCodes: { 200: true, 400: 'bad parameter', 500: 'server error' },
        });
        return (Array.isArray(raw) ? raw : []).map(observationFromLibpodListEntry);
      }
      const raw: unknown = await this.docker.listContainers({ all: true, filters, abortSignal });
      return (Array.isArray(raw) ? raw : []).map(observationFromListEntry);
    });
    return entries.filter((observation) => hasLabels(observation.labels, labels));
  }

  logs(id: string, options: LogOptions = {}): Observable<LogLine> {
    return containerLogs(this.docker, this.openStream, id, options);
  }

  events(labels: Record<string, string>): Observable<EngineEvent> {
    return containerEventStream(this.docker, this.socketPath, this.apiTimeoutMs, labels);
  }

  /** Runs one API call with a deadline and turns any failure into an EngineError. */
  private call<T>(
    ctx: Omit<CallContext, 'socketPath'>,
    run: (abortSignal: AbortSignal) => Promise<T>,
    timeoutMs = this.apiTimeoutMs,
  ): Promise<T> {
    return withDeadline({ ...ctx, socketPath: this.socketPath }, timeoutMs, run);
  }

  /**
   * Opens a streaming call. The deadline covers only the engine accepting it (podman sends
   * the headers at once, before any registry work); the body may then take its time.
   */
  private readonly openStream: OpenStream = (ctx, open) =>
    withDeadline({ ...ctx, socketPath: this.socketPath }, this.apiTimeoutMs, open);
}
