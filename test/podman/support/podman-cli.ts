import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { REGISTRY, image } from './env.js';
import type { SampleImageName } from '../../../src/engine/simulator/simulator-images.js';

/**
 * The podman CLI, used by tests as "the outside world": an operator or a crash doing things to
 * containers behind podwarden's back. It talks to the same rootful storage as the API service.
 */

const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

/** A failed podman command: carries the exit code and stderr so callers can tell causes apart. */
export class PodmanCliError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(`podman ${args.join(' ')} failed (exit ${exitCode ?? 'signal'}): ${stderr.trim() || '(no stderr)'}`);
    this.name = 'PodmanCliError';
  }
}

/** Runs `podman ...args` and resolves with its stdout and stderr; rejects with a PodmanCliError. */
export function podmanOutput(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile('podman', args, { maxBuffer: MAX_OUTPUT_BYTES }, (error, stdout, stderr) => {
      if (error) {
        const exitCode = typeof error.code === 'number' ? error.code : null;
        // ENOENT and friends: podman itself could not be run, so there is no stderr to show.
        const detail = stderr || (typeof error.code === 'string' ? error.message : '');
        reject(new PodmanCliError(args, exitCode, detail));
        return;
      }
      resolve({ stdout, stderr });
    });
  });
}

/** Runs `podman ...args` and resolves with its stdout; rejects with a PodmanCliError. */
export async function podman(args: string[]): Promise<string> {
  return (await podmanOutput(args)).stdout;
}

/** A container's output so far; `podman logs` keeps the container's two streams apart. */
export function logs(nameOrId: string): Promise<{ stdout: string; stderr: string }> {
  return podmanOutput(['logs', nameOrId]);
}

/** SIGKILL by default, like a crash or the OOM killer; the container's restart policy applies. */
export async function kill(nameOrId: string, signal = 'KILL'): Promise<void> {
  await podman(['kill', '--signal', signal, nameOrId]);
}

/** `podman rm -f` without a stop grace period. */
export async function removeForce(nameOrId: string): Promise<void> {
  await podman(['rm', '--force', '--time', '0', nameOrId]);
}

export async function pause(nameOrId: string): Promise<void> {
  await podman(['pause', nameOrId]);
}

/** The part of `podman container inspect` that tests read; the rest is there, untyped. */
export interface ContainerInspect {
  Id: string;
  Name: string;
  Image: string;
  ImageName: string;
  RestartCount: number;
  State: {
    Status: string;
    Running: boolean;
    Paused: boolean;
    Restarting: boolean;
    OOMKilled: boolean;
    Dead: boolean;
    Pid: number;
    ExitCode: number;
    StartedAt: string;
    FinishedAt: string;
    Health?: { Status: string; FailingStreak: number };
  };
  Config: {
    Labels: Record<string, string> | null;
    Env: string[] | null;
    Image: string;
    [key: string]: unknown;
  };
  HostConfig: {
    RestartPolicy?: { Name: string; MaximumRetryCount: number };
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

export async function inspectJson(nameOrId: string): Promise<ContainerInspect> {
  const parsed = JSON.parse(await podman(['container', 'inspect', nameOrId])) as ContainerInspect[];
  const first = parsed[0];
  if (!first) {
    throw new Error(`podman container inspect ${nameOrId} returned no container`);
  }
  return first;
}

export interface ContainerSummary {
  id: string;
  names: string[];
  image: string;
  /** created, running, paused, exited, ... */
  state: string;
  exitCode: number;
  labels: Record<string, string>;
}

interface PsEntry {
  Id: string;
  Names: string[] | null;
  Image: string;
  State: string;
  ExitCode: number;
  Labels: Record<string, string> | null;
}

/** Every container (any state) carrying the label `label=value`. */
export async function containersWithLabel(label: string, value: string): Promise<ContainerSummary[]> {
  const out = await podman(['ps', '--all', '--filter', `label=${label}=${value}`, '--format', 'json']);
  const entries = JSON.parse(out || '[]') as PsEntry[];
  return entries.map((entry) => ({
    id: entry.Id,
    names: entry.Names ?? [],
    image: entry.Image,
    state: entry.State,
    exitCode: entry.ExitCode,
    labels: entry.Labels ?? {},
  }));
}

/** Force-removes every container carrying `label=value`; resolves with how many there were. */
export async function removeAllWithLabel(label: string, value: string): Promise<number> {
  const containers = await containersWithLabel(label, value);
  if (containers.length === 0) {
    return 0;
  }
  try {
    await podman(['rm', '--force', '--time', '0', ...containers.map((c) => c.id)]);
  } catch (error) {
    // Something else (podwarden under test, a restart policy) may have removed some meanwhile.
    if (!(error instanceof PodmanCliError && /no such container/i.test(error.stderr))) {
      throw error;
    }
    const left = await containersWithLabel(label, value);
    if (left.length > 0) {
      await podman(['rm', '--force', '--time', '0', ...left.map((c) => c.id)]);
    }
  }
  return containers.length;
}

export async function imageExistsLocally(ref: string): Promise<boolean> {
  try {
    await podman(['image', 'exists', ref]);
    return true;
  } catch (error) {
    // `podman image exists` answers "no" with exit 1 and nothing on stderr.
    if (error instanceof PodmanCliError && error.exitCode === 1 && error.stderr.trim() === '') {
      return false;
    }
    throw error;
  }
}

/** Removes a local image (or just this tag of it); a missing image is not an error. */
export async function removeImage(ref: string): Promise<void> {
  try {
    await podman(['rmi', ref]);
  } catch (error) {
    if (error instanceof PodmanCliError && /not known/i.test(error.stderr)) {
      return;
    }
    throw error;
  }
}

/**
 * Pulls those of the sample images `names` that are not local. Every test file arranges the
 * images it creates containers from by itself: another file may have removed them, and CI
 * starts from an empty image store.
 */
export async function ensureLocalImages(...names: SampleImageName[]): Promise<void> {
  for (const name of names) {
    if (!(await imageExistsLocally(image(name)))) await podman(['pull', '--quiet', '--tls-verify=false', image(name)]);
  }
}

/**
 * Pushes the sample image `name` to the registry under a fresh tag that exists nowhere locally,
 * and returns its full reference: pulling it is guaranteed to be a real registry pull.
 * Needs no internet: the content comes from the registry's own podwarden/<name>:1.
 */
export async function pushUniqueTag(name: SampleImageName): Promise<string> {
  const source = image(name);
  await ensureLocalImages(name);
  const ref = `${REGISTRY}/podwarden/${name}:t${randomBytes(6).toString('hex')}`;
  await podman(['tag', source, ref]);
  try {
    // v2s2 keeps HEALTHCHECK in the image config, as scripts/setup-engine.sh does.
    await podman(['push', '--quiet', '--tls-verify=false', '--format', 'v2s2', ref]);
  } finally {
    await removeImage(ref);
  }
  return ref;
}

/** One line of `podman events --format json`. */
export interface RecordedEvent {
  type: string;
  /**
   * The CLI's event name. Mostly the API's action names (create, init, start, kill, pause,
   * unpause, restart, remove, cleanup, health_status), but the CLI says `died` where the
   * Docker-compatible API says `die`.
   */
  status: string;
  id: string;
  name: string;
  image: string;
  /** ms since epoch. */
  time: number;
  /** On `died` events. */
  exitCode?: number;
  /** The container's labels (and, on some events, podman's own attributes). */
  attributes: Record<string, string>;
}

export interface EventRecorder {
  /** Events so far, in the order podman reported them. Live: grows as events arrive. */
  readonly events: readonly RecordedEvent[];
  /** Resolves with the first recorded event (past or future) that matches, or rejects on timeout. */
  waitFor(match: (event: RecordedEvent) => boolean, timeoutMs?: number): Promise<RecordedEvent>;
  /** Ends the `podman events` process and resolves with everything recorded. */
  stop(): Promise<RecordedEvent[]>;
}

interface RawEvent {
  ID?: string;
  Name?: string;
  Image?: string;
  Status?: string;
  Type?: string;
  Time?: string;
  ContainerExitCode?: number;
  Attributes?: Record<string, string> | null;
}

/**
 * Records container events for containers labelled `filterLabel` ("key=value", or just "key").
 * Nothing is lost to the time `podman events` takes to start: it reads back from the start
 * of the current second, and events older than the call are dropped.
 */
export function startEventRecorder(filterLabel: string): EventRecorder {
  const startedAt = Date.now();
  const since = String(Math.floor(startedAt / 1000));
  const child = spawn(
    'podman',
    ['events', '--format', 'json', '--filter', 'type=container', '--filter', `label=${filterLabel}`, '--since', since],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const events: RecordedEvent[] = [];
  // When podman rotates its events file it may deliver a batch of past lines again (identical,
  // to the nanosecond) and may lose one: a line seen before is dropped here, and tests use
  // this record only to bound what podwarden's own engine calls (test/podman/support/engine-spy.ts) show.
  const seenLines = new Set<string>();
  const waiters = new Set<Waiter>();
  let stderr = '';
  let failure: Error | undefined;
  let stopping = false;
  let exited = false;

  const fail = (error: Error): void => {
    failure ??= error;
    for (const waiter of [...waiters]) {
      waiters.delete(waiter);
      waiter.reject(error);
    }
  };

  const exitedPromise = new Promise<void>((resolve) => {
    child.once('close', (code, signal) => {
      exited = true;
      if (!stopping) {
        fail(
          new Error(
            `podman events (label=${filterLabel}) ended on its own (exit ${code ?? signal}): ${stderr.trim() || '(no stderr)'}`,
          ),
        );
      }
      resolve();
    });
  });

  child.on('error', (error) => {
    fail(new Error(`cannot run podman events: ${error.message}`));
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr += chunk;
  });

  const lines = createInterface({ input: child.stdout });
  lines.on('line', (line) => {
    if (line.trim() === '' || seenLines.has(line)) {
      return;
    }
    seenLines.add(line);
    let raw: RawEvent;
    try {
      raw = JSON.parse(line) as RawEvent;
    } catch {
      fail(new Error(`podman events printed a line that is not JSON: ${line.slice(0, 200)}`));
      return;
    }
    const time = raw.Time ? Date.parse(raw.Time) : Number.NaN;
    if (Number.isFinite(time) && time < startedAt) {
      return;
    }
    const event: RecordedEvent = {
      type: raw.Type ?? '',
      status: raw.Status ?? '',
      id: raw.ID ?? '',
      name: raw.Name ?? '',
      image: raw.Image ?? '',
      time,
      attributes: raw.Attributes ?? {},
      ...(raw.ContainerExitCode === undefined ? {} : { exitCode: raw.ContainerExitCode }),
    };
    events.push(event);
    for (const waiter of [...waiters]) {
      if (waiter.match(event)) {
        waiters.delete(waiter);
        waiter.resolve(event);
      }
    }
  });

  return {
    events,
    waitFor(match, timeoutMs = 15_000) {
      const seen = events.find(match);
      if (seen) {
        return Promise.resolve(seen);
      }
      if (failure) {
        return Promise.reject(failure);
      }
      return new Promise<RecordedEvent>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          const seenSoFar = events.map((e) => `${e.status}:${e.name}`).join(', ') || 'none';
          reject(
            new Error(`no matching podman event (label=${filterLabel}) within ${timeoutMs} ms; seen: ${seenSoFar}`),
          );
        }, timeoutMs);
        const waiter: Waiter = {
          match,
          resolve: (event) => {
            clearTimeout(timer);
            resolve(event);
          },
          reject: (error) => {
            clearTimeout(timer);
            reject(error);
          },
        };
        waiters.add(waiter);
      });
    },
    async stop() {
      stopping = true;
      if (!exited) {
        child.kill('SIGTERM');
      }
      await exitedPromise;
      lines.close();
      return [...events];
    },
  };
}

interface Waiter {
  match: (event: RecordedEvent) => boolean;
  resolve: (event: RecordedEvent) => void;
  reject: (error: Error) => void;
}
