import type { Observable } from 'rxjs';
import type { ContainerSpec } from '../domain/container-spec.js';
import type { ContainerEvent, ContainerObservation } from '../domain/container-observation.js';

/**
 * The one door to the container engine. Machines never see it; effects call it.
 * Implementations: the dockerode adapter (podman or Docker) and the in-memory simulator.
 * Every method is idempotent where the engine allows it, because a step may be retried
 * after a crash or a lost answer.
 */
export interface EnginePort {
  /** Resolves when the engine answers; rejects with an EngineError('unreachable') otherwise. */
  ping(): Promise<EngineInfo>;
  imageExists(ref: string): Promise<boolean>;
  /** Pulls `ref`; rejects with EngineError when any progress line carries an error. */
  pull(ref: string, options?: PullOptions): Promise<void>;
  /** Builds an image from a local context directory and tags it `tag`. */
  build(spec: BuildSpec, options?: PullOptions): Promise<void>;
  /** Where the engine keeps its images, and the free space of that file system (checked before a pull or build). */
  storageSpace(): Promise<StorageSpace>;
  /**
   * Creates the container named `spec.name`. If a container with that name already exists
   * and carries the same owner labels, returns its id instead of failing (a retried create
   * never makes a duplicate). A name held by a container podwarden does not own is an error.
   */
  create(spec: ContainerSpec): Promise<{ id: string }>;
  /** Starting a running container is a no-op. */
  start(id: string): Promise<void>;
  /** Stopping a stopped container is a no-op. */
  stop(id: string, options?: { timeoutSeconds?: number }): Promise<void>;
  /** Removing a missing container is a no-op. Always forced: running containers are killed. */
  remove(id: string): Promise<void>;
  /** null when no such container exists. */
  inspect(idOrName: string): Promise<ContainerObservation | null>;
  /**
   * The image a container was made from, by id (not by the tag it named, which may have moved
   * since): its id and the registry digests it is known by. null when no such container exists.
   */
  containerImage(idOrName: string): Promise<ImageIdentity | null>;
  /**
   * Runs `command` inside a running container (docker exec) and resolves with its exit code
   * and output (stdout and stderr, at most EXEC_OUTPUT_LIMIT characters). A command still
   * running after `timeoutMs` rejects with EngineError('engine'); the engine lets it finish.
   */
  exec(id: string, command: string[], options: { timeoutMs: number }): Promise<ExecResult>;
  /** Every container (any state) that carries all `labels`. One engine call. */
  list(labels: Record<string, string>): Promise<ContainerObservation[]>;
  /**
   * Container events for containers carrying all `labels`. Each subscription opens one
   * stream; it errors (EngineError 'unreachable') when the connection drops, and emits
   * `{ kind: 'connected' }` first, once the engine accepted the stream.
   */
  events(labels: Record<string, string>): Observable<EngineEvent>;
  /**
   * The container's output, one item per line, oldest first: the last `tail` lines (all when
   * unset), then, with `follow`, new lines as they are written until the container stops or
   * the subscription ends. Errors with EngineError('not-found') for a missing container.
   */
  logs(id: string, options?: LogOptions): Observable<LogLine>;
}

export interface LogOptions {
  follow?: boolean;
  tail?: number;
}

export interface LogLine {
  stream: 'stdout' | 'stderr';
  text: string;
}

export interface ImageIdentity {
  /** The engine's image id, `sha256:…`. */
  id: string;
  /** `repo@sha256:…`, one per registry manifest the image was pulled as or pushed to (may be empty: a local build). */
  repoDigests: string[];
}

export interface ExecResult {
  exitCode: number;
  output: string;
}

/** Probes keep only the start of what a command printed. */
export const EXEC_OUTPUT_LIMIT = 4096;

export interface EngineInfo {
  /** 'podman' or 'docker': decides which pull endpoint can skip TLS. */
  flavor: 'podman' | 'docker';
  version: string;
  /**
   * The engine runs as a user (rootless podman): its containers' own addresses are in a
   * network namespace podwarden cannot reach, so probes use published ports.
   */
  rootless?: boolean;
  /**
   * The engine runs images' HEALTHCHECKs by itself and reports the verdict: Docker always,
   * podman where it schedules them with systemd timers (its cgroup manager is systemd).
   */
  runsHealthchecks?: boolean;
}

export interface StorageSpace {
  /** The image store: podman's GraphRoot, Docker's DockerRootDir. */
  root: string;
  /** Bytes an unprivileged write could still use there; undefined when the path is not on this host. */
  freeBytes?: number;
}

export interface PullOptions {
  onProgress?: (progress: PullProgress) => void;
  /** Registry hosts (host[:port]) that may be reached over plain HTTP. */
  insecureRegistries?: readonly string[];
}

export interface PullProgress {
  ref: string;
  status: string;
  layer?: string;
}

export interface BuildSpec {
  tag: string;
  /** Absolute path of the build context. */
  context: string;
  /** Relative to the context; defaults to Containerfile, then Dockerfile. */
  containerfile?: string;
}

export type EngineEvent = { kind: 'connected' } | ContainerEvent;
