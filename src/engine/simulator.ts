import { createHash } from 'node:crypto';
import { Observable } from 'rxjs';
import {
  EngineError,
  type BuildSpec,
  type ContainerAction,
  type ContainerEvent,
  type ContainerObservation,
  type ContainerSpec,
  type EngineErrorCode,
  type EngineEvent,
  type EngineInfo,
  type EnginePort,
  type HealthStatus,
  type PortBinding,
  type PullOptions,
} from './port.js';
import { SimulatedEventHub } from './simulator-events.js';
import { INVALID_SETTING_EXIT_CODE, type ImageBehaviour } from './simulator-images.js';
import { HostPortTable } from './simulator-ports.js';
import { normalizeImageRef, registryHostOf } from './image-ref.js';
import { adoptOrRefuseName } from './name-conflict.js';

/** The EnginePort methods, as counted in `control.calls`. */
export type EngineMethod =
  | 'ping'
  | 'imageExists'
  | 'pull'
  | 'build'
  | 'create'
  | 'start'
  | 'stop'
  | 'remove'
  | 'inspect'
  | 'list'
  | 'events';

const ENGINE_METHODS: readonly EngineMethod[] = [
  'ping',
  'imageExists',
  'pull',
  'build',
  'create',
  'start',
  'stop',
  'remove',
  'inspect',
  'list',
  'events',
];

export interface SimulatorOptions {
  /** Images the simulated registry serves, by ref (`latest` implied when untagged). */
  registry?: Readonly<Record<string, ImageBehaviour>>;
  /** Images already in local storage when the engine starts (no pull needed). */
  localImages?: Readonly<Record<string, ImageBehaviour>>;
  /** Registry hosts that speak plain HTTP only. Default ['127.0.0.1:5000'], as on our hosts. */
  plainHttpRegistries?: readonly string[];
  /**
   * Hosts the engine's own configuration marks insecure (podman's registries.conf
   * `insecure = true`): pulls from them work without `PullOptions.insecureRegistries`.
   * Default none.
   */
  engineInsecureRegistries?: readonly string[];
  /** Delay between something happening and a stream delivering its event. Default 0; podman's median is ~250 ms. */
  eventLatencyMs?: number;
  /** How long a pull takes. Default 0. */
  pullLatencyMs?: number;
  /** How long every engine call takes before it acts. Default 0. */
  callLatencyMs?: number;
  /** Reported by ping. Default '4.3.1'. */
  version?: string;
}

/** The outside world of the simulated engine, and its fault injection. For tests only. */
export interface SimulatorControl {
  /** Calls per EnginePort method since creation or the last `resetCalls` (events = subscriptions). */
  readonly calls: Readonly<Record<EngineMethod, number>>;
  resetCalls(): void;

  /** Makes `ref` pullable from the simulated registry, with what its containers do. */
  publishImage(ref: string, behaviour: ImageBehaviour): void;
  /** The registry forgets `ref` (a deleted tag); local copies stay. */
  unpublishImage(ref: string): void;
  /** `podman rmi` behind podwarden's back: containers keep running, new creates fail. */
  removeLocalImage(ref: string): void;
  /** `build` of this context directory succeeds and yields an image that behaves so. */
  defineBuildContext(context: string, behaviour: ImageBehaviour): void;
  setRegistryReachable(reachable: boolean): void;

  /** false: every call rejects with 'unreachable' and open event streams are cut. */
  setReachable(reachable: boolean): void;
  /** Cuts every open event stream with EngineError('unreachable'), as an engine restart does. */
  dropEventStreams(): void;
  /**
   * Open streams receive the last `count` events again (up to 1024), as podman 4.3's file
   * event logger does when it rotates its events file (seen in the conformance runs: a
   * repeated event, identical to the nanosecond). Consumers must tolerate repeats.
   */
  rotateEventLog(count: number): void;
  readonly openEventStreams: number;

  /** The next `times` calls of `method` reject with this error (events: the stream errors). */
  failNext(method: EngineMethod, error: EngineError | EngineErrorCode, times?: number): void;
  setEventLatency(ms: number): void;
  setPullLatency(ms: number): void;
  setCallLatency(ms: number): void;

  /** `podman kill [--signal]`: a `kill` event, then (unless the process survives it) `die`. */
  kill(idOrName: string, signal?: 'SIGKILL' | 'SIGTERM'): void;
  /** The container's process exits by itself with `code` (no `kill` event). */
  exitProcess(idOrName: string, code: number): void;
  /** The kernel's OOM killer ends the process: `oom`, then `die` 137. */
  oomKill(idOrName: string): void;
  /** `podman pause` / `podman unpause` from outside. */
  pause(idOrName: string): void;
  unpause(idOrName: string): void;
  /**
   * `podman rm --force --time 0` from outside: a running container is SIGKILLed (`die` 137)
   * and removed. With `graceSeconds` it gets SIGTERM first, like `podman rm -f --time N`.
   */
  removeBehindBack(idOrName: string, graceSeconds?: number): void;
  /** The container's health changes (podman here never runs checks by itself); emits `health`. */
  setHealth(idOrName: string, health: Exclude<HealthStatus, 'none'>): void;
  /**
   * `podman healthcheck run` from outside: one check of a running container with a health
   * check, passing when the service is serving (see `isServing`). Returns the new health. Like podman 4.3 (issue #19237), the `health` event carries the health from
   * before the check.
   */
  runHealthcheck(idOrName: string): HealthStatus;
  /** Whether the service in the container would answer a probe now (running, ready, healthy). */
  isServing(idOrName: string): boolean;
  /** A process outside any container holds this host port. */
  holdHostPort(hostPort: number, protocol?: 'tcp' | 'udp', hostIp?: string): void;
  releaseHostPort(hostPort: number, protocol?: 'tcp' | 'udp'): void;
  readonly containerCount: number;
}

export interface SimulatedEngine extends EnginePort {
  readonly control: SimulatorControl;
}

type SimStatus = 'created' | 'running' | 'paused' | 'exited';

interface SimContainer {
  readonly id: string;
  readonly name: string;
  readonly image: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly spec: ContainerSpec;
  readonly behaviour: ImageBehaviour;
  readonly hasHealthcheck: boolean;
  status: SimStatus;
  health: HealthStatus;
  /** Failed health checks in a row. */
  failingStreak: number;
  pid: number;
  exitCode: number;
  oomKilled: boolean;
  startedAt: number | undefined;
  finishedAt: number | undefined;
  exitTimer: ReturnType<typeof setTimeout> | undefined;
  exitDueAt: number | undefined;
  /** Time left on the exit timer while the process is frozen by pause. */
  exitRemainingMs: number | undefined;
  /** The code the armed exit timer will exit with. */
  exitPlanCode: number;
  /** Callers of `stop` waiting for the process to end (it ignored SIGTERM). */
  exitWaiters: Array<() => void>;
  killTimer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * The stop timeout podman 4.3 gives a container created through the Docker-compatible API
 * without `StopTimeout` (the CLI's default of 10 does not apply there).
 */
const COMPAT_CREATE_STOP_TIMEOUT_SECONDS = 0;
const SIGKILL_EXIT = 137;
const DEFAULT_HEALTHCHECK_RETRIES = 3;
const NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const FULL_ID = /^[0-9a-f]{64}$/;
const ID_PREFIX = /^[0-9a-f]+$/;
const WHOLE_NUMBER = /^[0-9]+$/;
const PLAIN_HTTP_MESSAGE = 'http: server gave HTTP response to HTTPS client';

/**
 * An in-memory podman 4.3 as podwarden sees it through the Docker-compatible API: the same
 * states, errors, idempotence and event shapes as the dockerode adapter, checked against the
 * real engine by the conformance scenarios in test/conformance. Time is setTimeout and
 * Date.now only, so fake timers drive it.
 */
export function createSimulatedEngine(options: SimulatorOptions = {}): SimulatedEngine {
  return new Simulator(options);
}

class Simulator implements SimulatedEngine {
  readonly control: SimulatorControl;

  private readonly version: string;
  private readonly calls = emptyCalls();
  private readonly failures = new Map<EngineMethod, EngineError[]>();
  private readonly registry = new Map<string, ImageBehaviour>();
  private readonly local = new Map<string, ImageBehaviour>();
  private readonly buildContexts = new Map<string, ImageBehaviour>();
  private readonly plainHttp: ReadonlySet<string>;
  private readonly engineInsecure: ReadonlySet<string>;
  private readonly byId = new Map<string, SimContainer>();
  private readonly byName = new Map<string, SimContainer>();
  /** `key=value` → ids, so a list by owner label touches only that owner's containers. */
  private readonly byLabel = new Map<string, Set<string>>();
  private readonly ports = new HostPortTable();
  private readonly hub: SimulatedEventHub;
  private reachable = true;
  private registryReachable = true;
  private eventLatencyMs: number;
  private pullLatencyMs: number;
  private callLatencyMs: number;
  private sequence = 0;
  private nextPid = 1000;

  constructor(options: SimulatorOptions) {
    this.version = options.version ?? '4.3.1';
    this.plainHttp = new Set(options.plainHttpRegistries ?? ['127.0.0.1:5000']);
    this.engineInsecure = new Set(options.engineInsecureRegistries ?? []);
    this.eventLatencyMs = nonNegative(options.eventLatencyMs ?? 0, 'eventLatencyMs');
    this.pullLatencyMs = nonNegative(options.pullLatencyMs ?? 0, 'pullLatencyMs');
    this.callLatencyMs = nonNegative(options.callLatencyMs ?? 0, 'callLatencyMs');
    for (const [ref, behaviour] of Object.entries(options.registry ?? {})) {
      this.registry.set(normalizeImageRef(ref), behaviour);
    }
    for (const [ref, behaviour] of Object.entries(options.localImages ?? {})) {
      this.local.set(normalizeImageRef(ref), behaviour);
    }
    this.hub = new SimulatedEventHub(
      () => this.eventLatencyMs,
      () => this.reachable,
    );
    this.control = this.buildControl();
  }

  // ── EnginePort ──────────────────────────────────────────────────────────────────────────

  async ping(): Promise<EngineInfo> {
    await this.enter('ping');
    return { flavor: 'podman', version: this.version };
  }

  async imageExists(ref: string): Promise<boolean> {
    await this.enter('imageExists');
    return this.local.has(normalizeImageRef(ref));
  }

  async pull(ref: string, options: PullOptions = {}): Promise<void> {
    await this.enter('pull');
    const normalized = normalizeImageRef(ref);
    const host = registryHostOf(normalized);
    if (this.pullLatencyMs > 0) await sleep(this.pullLatencyMs);
    if (!this.reachable) throw unreachable('pull');
    if (!this.registryReachable) {
      throw new EngineError(
        'registry-unreachable',
        `pull of image ${ref} failed: registry ${host} unreachable: dial tcp ${host}: connect: connection refused`,
      );
    }
    const insecure = new Set(options.insecureRegistries ?? []);
    if (this.plainHttp.has(host) && !insecure.has(host) && !this.engineInsecure.has(host)) {
      throw new EngineError(
        'registry-unreachable',
        `pull of image ${ref} failed: registry ${host} unreachable: pinging container registry ${host}: ` +
          `Get "https://${host}/v2/": ${PLAIN_HTTP_MESSAGE}`,
      );
    }
    const behaviour = this.registry.get(normalized);
    if (!behaviour) {
      throw new EngineError(
        'image-not-found',
        `pull of image ${ref} failed: the registry has no such image or tag: reading manifest ` +
          `${tagOf(normalized)} in ${host}/${repositoryOf(normalized)}: manifest unknown`,
      );
    }
    const layer = digestOf(normalized).slice(0, 12);
    options.onProgress?.({ ref, status: 'Pulling fs layer', layer });
    options.onProgress?.({ ref, status: 'Download complete', layer });
    this.local.set(normalized, behaviour);
  }

  async build(spec: BuildSpec, options: PullOptions = {}): Promise<void> {
    await this.enter('build');
    const behaviour = this.buildContexts.get(spec.context);
    if (!behaviour) {
      throw new EngineError(
        'not-found',
        `build of image ${spec.tag} from ${spec.context}: no such build context ` +
          '(simulated engine: define it with control.defineBuildContext)',
      );
    }
    options.onProgress?.({ ref: spec.tag, status: `Successfully tagged ${normalizeImageRef(spec.tag)}` });
    this.local.set(normalizeImageRef(spec.tag), behaviour);
  }

  async create(spec: ContainerSpec): Promise<{ id: string }> {
    await this.enter('create');
    const action = `create of container ${spec.name} (image ${spec.image})`;
    if (!NAME_PATTERN.test(spec.name)) {
      throw new EngineError('engine', `${action}: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument`);
    }
    // Podman resolves the image before it looks at the name: a retried create whose image
    // has gone fails with image-not-found even though the container exists.
    const image = normalizeImageRef(spec.image);
    const behaviour = this.local.get(image);
    if (!behaviour) {
      throw new EngineError(
        'image-not-found',
        `${action}: image ${spec.image} is not in the engine's storage (pull it first): image not known`,
      );
    }
    const existing = this.byName.get(spec.name);
    if (existing) {
      return adoptOrRefuseName(action, spec, existing);
    }
    this.sequence += 1;
    const id = createHash('sha256').update(`simulated-container:${this.sequence}:${spec.name}`).digest('hex');
    const container: SimContainer = {
      id,
      name: spec.name,
      image,
      // Podman merges the image's labels under the container's, and reports the union everywhere.
      labels: { ...behaviour.labels, ...spec.labels },
      spec: structuredClone(spec),
      behaviour,
      hasHealthcheck: spec.healthcheck !== undefined || behaviour.healthcheck === true,
      status: 'created',
      health: 'none',
      failingStreak: 0,
      pid: 0,
      exitCode: 0,
      oomKilled: false,
      startedAt: undefined,
      finishedAt: undefined,
      exitTimer: undefined,
      exitDueAt: undefined,
      exitRemainingMs: undefined,
      exitPlanCode: 0,
      exitWaiters: [],
      killTimer: undefined,
    };
    this.byId.set(id, container);
    this.byName.set(spec.name, container);
    for (const [key, value] of Object.entries(container.labels)) {
      const k = `${key}=${value}`;
      let ids = this.byLabel.get(k);
      if (!ids) this.byLabel.set(k, (ids = new Set()));
      ids.add(id);
    }
    this.emit(container, 'create');
    return { id };
  }

  async start(id: string): Promise<void> {
    await this.enter('start');
    const container = this.require(id, 'start');
    if (container.status === 'running') return;
    if (container.status === 'paused') {
      throw new EngineError(
        'engine',
        `start of container ${container.name}: it is paused; unpause it instead (container state improper)`,
      );
    }
    const clash = this.ports.conflict(container.spec.ports, container.id);
    if (clash) {
      const { binding, heldBy } = clash;
      const holder = heldBy === 'host' ? 'a host process' : `container ${this.byId.get(heldBy)?.name ?? heldBy}`;
      throw new EngineError(
        'port-in-use',
        `start of container ${container.name}: cannot listen on the ${binding.protocol.toUpperCase()} port: ` +
          `listen ${binding.protocol}4 ${binding.hostIp || '0.0.0.0'}:${binding.hostPort}: bind: address already in use (held by ${holder})`,
      );
    }
    this.ports.hold(container.spec.ports, container.id);
    container.status = 'running';
    container.pid = this.nextPid++;
    container.exitCode = 0;
    container.oomKilled = false;
    container.startedAt = Date.now();
    container.health = container.hasHealthcheck ? 'starting' : 'none';
    container.failingStreak = 0;
    this.emit(container, 'start');
    const plan = exitPlan(container);
    if (!plan) return;
    // A process that exits at once is gone before podman answers the start (9 of 10 crasher
    // starts measured through the adapter inspected as exited straight after start resolved).
    if (plan.afterMs <= 0) this.exited(container, plan.code);
    else this.armExit(container, plan.afterMs, plan.code);
  }

  async stop(id: string, options: { timeoutSeconds?: number } = {}): Promise<void> {
    await this.enter('stop');
    const container = this.require(id, 'stop');
    if (container.status === 'paused') {
      throw new EngineError(
        'engine',
        `stop of container ${container.name}: it is paused; podman refuses to stop a paused container ` +
          '(container state improper): unpause it first, or remove it',
      );
    }
    await this.terminate(container, options.timeoutSeconds);
  }

  async remove(id: string): Promise<void> {
    await this.enter('remove');
    const container = this.resolve(id);
    if (!container) return;
    await this.forceRemove(container, undefined);
  }

  async inspect(idOrName: string): Promise<ContainerObservation | null> {
    await this.enter('inspect');
    const container = this.resolve(idOrName);
    return container ? this.observe(container, true) : null;
  }

  async list(labels: Record<string, string>): Promise<ContainerObservation[]> {
    await this.enter('list');
    const wanted = Object.entries(labels);
    let candidates: Iterable<SimContainer> = this.byId.values();
    if (wanted.length > 0) {
      let smallest: Set<string> | undefined;
      for (const [key, value] of wanted) {
        const ids = this.byLabel.get(`${key}=${value}`);
        if (!ids) return [];
        if (!smallest || ids.size < smallest.size) smallest = ids;
      }
      const ids = smallest ?? new Set<string>();
      candidates = [...ids].map((id) => this.byId.get(id)).filter((c): c is SimContainer => c !== undefined);
    }
    const result: ContainerObservation[] = [];
    for (const container of candidates) {
      if (wanted.every(([key, value]) => container.labels[key] === value)) {
        result.push(this.observe(container, false));
      }
    }
    return result;
  }

  events(labels: Record<string, string>): Observable<EngineEvent> {
    const inner = this.hub.observe(labels);
    return new Observable<EngineEvent>((subscriber) => {
      this.calls.events += 1;
      const injected = this.failures.get('events')?.shift();
      if (injected) {
        const timer = setTimeout(() => subscriber.error(injected), 0);
        return () => clearTimeout(timer);
      }
      const subscription = inner.subscribe(subscriber);
      return () => subscription.unsubscribe();
    });
  }

  // ── Lifecycle ───────────────────────────────────────────────────────────────────────────

  private armExit(container: SimContainer, afterMs: number, code: number): void {
    container.exitDueAt = Date.now() + afterMs;
    container.exitPlanCode = code;
    container.exitTimer = setTimeout(() => {
      container.exitTimer = undefined;
      if (container.status === 'running') this.exited(container, code);
    }, afterMs);
  }

  private disarm(container: SimContainer): void {
    if (container.exitTimer !== undefined) clearTimeout(container.exitTimer);
    if (container.killTimer !== undefined) clearTimeout(container.killTimer);
    container.exitTimer = undefined;
    container.killTimer = undefined;
    container.exitDueAt = undefined;
    container.exitRemainingMs = undefined;
  }

  /** The process is gone: podman records the exit, frees the ports and emits `die`. */
  private exited(container: SimContainer, code: number, oomKilled = false): void {
    this.disarm(container);
    this.ports.release(container.spec.ports, container.id);
    container.status = 'exited';
    container.exitCode = code;
    container.oomKilled = oomKilled;
    container.pid = 0;
    container.finishedAt = Date.now();
    this.emit(container, 'die', { exitCode: code });
    const waiters = container.exitWaiters.splice(0);
    for (const resolve of waiters) resolve();
  }

  /**
   * SIGTERM, then SIGKILL after the stop timeout: the caller's, else the container's, which
   * the compat create API leaves at 0 unless the spec sets one. With 0, podman skips SIGTERM
   * and the container dies 137 even when its image traps TERM. Our images trap TERM and exit
   * 0 at once; an image that ignores it holds the caller for the whole timeout, as podman does.
   */
  /** Resolves at once (undefined) when the process is already gone; a promise while it lingers. */
  private terminate(container: SimContainer, timeoutSeconds: number | undefined): Promise<void> | undefined {
    if (container.status !== 'running' && container.status !== 'paused') return undefined;
    if (container.status === 'paused') this.thaw(container);
    const seconds = timeoutSeconds ?? container.spec.stopTimeoutSeconds ?? COMPAT_CREATE_STOP_TIMEOUT_SECONDS;
    if (seconds <= 0) {
      this.exited(container, SIGKILL_EXIT);
      return undefined;
    }
    if (!container.behaviour.ignoresTerm) {
      this.exited(container, 0);
      return undefined;
    }
    return new Promise<void>((resolve) => {
      container.exitWaiters.push(resolve);
      if (container.killTimer === undefined) {
        container.killTimer = setTimeout(() => {
          container.killTimer = undefined;
          if (container.status === 'running') this.exited(container, SIGKILL_EXIT);
        }, seconds * 1000);
      }
    });
  }

  /**
   * Ends the process if needed, then forgets the container. Without a lingering process it
   * all happens synchronously, so an outside `rm -f` is complete when the control call returns.
   */
  private async forceRemove(container: SimContainer, graceSeconds: number | undefined): Promise<void> {
    const lingering = this.terminate(container, graceSeconds);
    if (lingering) await lingering;
    // A concurrent remove may have finished while this one waited for the process to end.
    if (this.byId.get(container.id) !== container) return;
    this.disarm(container);
    this.byId.delete(container.id);
    this.byName.delete(container.name);
    for (const [key, value] of Object.entries(container.labels)) {
      const k = `${key}=${value}`;
      const ids = this.byLabel.get(k);
      ids?.delete(container.id);
      if (ids && ids.size === 0) this.byLabel.delete(k);
    }
    this.emit(container, 'remove');
  }

  private freeze(container: SimContainer): void {
    container.status = 'paused';
    if (container.exitTimer !== undefined && container.exitDueAt !== undefined) {
      clearTimeout(container.exitTimer);
      container.exitTimer = undefined;
      container.exitRemainingMs = Math.max(0, container.exitDueAt - Date.now());
      container.exitDueAt = undefined;
    }
  }

  private thaw(container: SimContainer): void {
    container.status = 'running';
    const remaining = container.exitRemainingMs;
    container.exitRemainingMs = undefined;
    if (remaining !== undefined) this.armExit(container, remaining, container.exitPlanCode);
  }

  // ── Observation and events ──────────────────────────────────────────────────────────────

  /**
   * Inspect and list differ as they do through the adapter on podman: the list (libpod's,
   * since the compat list has no health) carries pid, health and exit code but no OOM flag,
   * and its times are whole unix seconds.
   */
  private observe(container: SimContainer, fromInspect: boolean): ContainerObservation {
    const observation: ContainerObservation = {
      id: container.id,
      name: container.name,
      image: container.image,
      status: container.status,
      health: container.health,
      labels: { ...container.labels },
      pid: container.pid,
    };
    if (container.status === 'exited') observation.exitCode = container.exitCode;
    const startedAt = fromInspect ? container.startedAt : wholeSeconds(container.startedAt);
    const finishedAt = fromInspect ? container.finishedAt : wholeSeconds(container.finishedAt);
    if (startedAt !== undefined) observation.startedAt = startedAt;
    if (finishedAt !== undefined) observation.finishedAt = finishedAt;
    if (fromInspect) observation.oomKilled = container.oomKilled;
    return observation;
  }

  /**
   * Podman's event attributes are the container's labels plus its own keys (name, image,
   * podId, containerExitCode, and exitCode on `die`); the adapter passes them all on as labels.
   * A health event's status travels outside the attributes (podman's top-level HealthStatus).
   */
  private emit(
    container: SimContainer,
    action: ContainerAction,
    extra: { exitCode?: number; health?: HealthStatus } = {},
  ): void {
    const attributes: Record<string, string> = {
      ...container.labels,
      name: container.name,
      image: container.image,
      podId: '',
      containerExitCode: String(extra.exitCode ?? 0),
    };
    if (extra.exitCode !== undefined) attributes.exitCode = String(extra.exitCode);
    const event: ContainerEvent = {
      kind: 'container',
      action,
      containerId: container.id,
      labels: attributes,
      time: Date.now(),
      ...extra,
    };
    this.hub.publish(event, container.labels);
  }

  // ── Plumbing ────────────────────────────────────────────────────────────────────────────

  private async enter(method: EngineMethod): Promise<void> {
    this.calls[method] += 1;
    if (this.callLatencyMs > 0) await sleep(this.callLatencyMs);
    const injected = this.failures.get(method)?.shift();
    if (injected) throw injected;
    if (!this.reachable) throw unreachable(method);
  }

  /** Podman's lookup order: full id, name, then a unique id prefix. */
  private resolve(idOrName: string): SimContainer | undefined {
    const direct = this.byId.get(idOrName) ?? this.byName.get(idOrName);
    if (direct || FULL_ID.test(idOrName) || !ID_PREFIX.test(idOrName)) return direct;
    let found: SimContainer | undefined;
    for (const [id, container] of this.byId) {
      if (!id.startsWith(idOrName)) continue;
      if (found) {
        throw new EngineError('engine', `container id prefix "${idOrName}" is ambiguous: more than one result`);
      }
      found = container;
    }
    return found;
  }

  private require(idOrName: string, action: string): SimContainer {
    const container = this.resolve(idOrName);
    if (!container) {
      throw new EngineError('not-found', `${action}: no container with name or ID "${idOrName}" found`);
    }
    return container;
  }

  private buildControl(): SimulatorControl {
    const sim = this;
    const outside = (idOrName: string, action: string): SimContainer => {
      const container = sim.resolve(idOrName);
      if (!container) throw new EngineError('not-found', `control.${action}: no container "${idOrName}"`);
      return container;
    };
    const mustRun = (container: SimContainer, action: string): void => {
      if (container.status !== 'running') {
        throw new EngineError(
          'engine',
          `control.${action}: container ${container.name} is ${container.status}, not running (container state improper)`,
        );
      }
    };
    return {
      get calls() {
        return sim.calls;
      },
      resetCalls() {
        for (const method of ENGINE_METHODS) sim.calls[method] = 0;
      },
      publishImage(ref, behaviour) {
        sim.registry.set(normalizeImageRef(ref), behaviour);
      },
      unpublishImage(ref) {
        sim.registry.delete(normalizeImageRef(ref));
      },
      removeLocalImage(ref) {
        sim.local.delete(normalizeImageRef(ref));
      },
      defineBuildContext(context, behaviour) {
        sim.buildContexts.set(context, behaviour);
      },
      setRegistryReachable(reachable) {
        sim.registryReachable = reachable;
      },
      setReachable(reachable) {
        sim.reachable = reachable;
        if (!reachable) sim.hub.dropAll('engine stopped answering');
      },
      dropEventStreams() {
        sim.hub.dropAll('engine restarted');
      },
      rotateEventLog(count) {
        sim.hub.replay(count);
      },
      get openEventStreams() {
        return sim.hub.openStreams;
      },
      failNext(method, error, times = 1) {
        const failure =
          typeof error === 'string' ? new EngineError(error, `${method}: injected ${error} failure (simulator)`) : error;
        const queue = sim.failures.get(method) ?? [];
        for (let i = 0; i < times; i += 1) queue.push(failure);
        sim.failures.set(method, queue);
      },
      setEventLatency(ms) {
        sim.eventLatencyMs = nonNegative(ms, 'eventLatencyMs');
      },
      setPullLatency(ms) {
        sim.pullLatencyMs = nonNegative(ms, 'pullLatencyMs');
      },
      setCallLatency(ms) {
        sim.callLatencyMs = nonNegative(ms, 'callLatencyMs');
      },
      kill(idOrName, signal = 'SIGKILL') {
        const container = outside(idOrName, 'kill');
        mustRun(container, 'kill');
        sim.emit(container, 'kill');
        if (signal === 'SIGKILL') sim.exited(container, SIGKILL_EXIT);
        else if (!container.behaviour.ignoresTerm) sim.exited(container, 0);
      },
      exitProcess(idOrName, code) {
        const container = outside(idOrName, 'exitProcess');
        mustRun(container, 'exitProcess');
        sim.exited(container, code);
      },
      oomKill(idOrName) {
        const container = outside(idOrName, 'oomKill');
        mustRun(container, 'oomKill');
        sim.emit(container, 'oom');
        sim.exited(container, SIGKILL_EXIT, true);
      },
      pause(idOrName) {
        const container = outside(idOrName, 'pause');
        mustRun(container, 'pause');
        sim.freeze(container);
        sim.emit(container, 'pause');
      },
      unpause(idOrName) {
        const container = outside(idOrName, 'unpause');
        if (container.status !== 'paused') {
          throw new EngineError('engine', `control.unpause: container ${container.name} is ${container.status}, not paused`);
        }
        sim.thaw(container);
        sim.emit(container, 'unpause');
      },
      removeBehindBack(idOrName, graceSeconds = 0) {
        const container = outside(idOrName, 'removeBehindBack');
        void sim.forceRemove(container, graceSeconds);
      },
      setHealth(idOrName, health) {
        const container = outside(idOrName, 'setHealth');
        container.health = health;
        sim.emit(container, 'health', { health });
      },
      runHealthcheck(idOrName) {
        const container = outside(idOrName, 'runHealthcheck');
        mustRun(container, 'runHealthcheck');
        if (!container.hasHealthcheck) {
          throw new EngineError('engine', `control.runHealthcheck: container ${container.name} has no health check`);
        }
        const before = container.health;
        if (sim.control.isServing(container.id)) {
          container.failingStreak = 0;
          container.health = 'healthy';
        } else {
          container.failingStreak += 1;
          const retries =
            container.spec.healthcheck?.retries ?? container.behaviour.healthcheckRetries ?? DEFAULT_HEALTHCHECK_RETRIES;
          if (container.failingStreak >= retries) container.health = 'unhealthy';
        }
        sim.emit(container, 'health', { health: before });
        return container.health;
      },
      isServing(idOrName) {
        const container = sim.resolve(idOrName);
        if (!container || container.status !== 'running' || container.behaviour.kind !== 'serve') return false;
        if (container.behaviour.healthy === false) return false;
        const readyAfter = readyAfterMs(container);
        return container.startedAt !== undefined && Date.now() - container.startedAt >= readyAfter;
      },
      holdHostPort(hostPort, protocol = 'tcp', hostIp) {
        const binding: PortBinding = { hostPort, containerPort: hostPort, protocol };
        if (hostIp !== undefined) binding.hostIp = hostIp;
        sim.ports.hold([binding], 'host');
      },
      releaseHostPort(hostPort, protocol = 'tcp') {
        sim.ports.release([{ hostPort, containerPort: hostPort, protocol }], 'host');
      },
      get containerCount() {
        return sim.byId.size;
      },
    };
  }
}

/**
 * When and how a started container's process ends by itself, if it does. An env override
 * that the sample entry points reject ends the process at once with their usage exit code.
 */
function exitPlan(container: SimContainer): { afterMs: number; code: number } | undefined {
  const behaviour = container.behaviour;
  if (behaviour.kind === 'serve') {
    if (behaviour.readyAfterSecondsEnv === undefined) return undefined;
    const raw = container.spec.env[behaviour.readyAfterSecondsEnv];
    if (raw === undefined || WHOLE_NUMBER.test(raw)) return undefined;
    return { afterMs: 0, code: INVALID_SETTING_EXIT_CODE };
  }
  const afterMs = behaviour.afterMs ?? 0;
  if (behaviour.exitCodeEnv === undefined) return { afterMs, code: behaviour.code };
  const raw = container.spec.env[behaviour.exitCodeEnv];
  if (raw === undefined) return { afterMs, code: behaviour.code };
  if (!WHOLE_NUMBER.test(raw) || Number(raw) > 255) return { afterMs: 0, code: INVALID_SETTING_EXIT_CODE };
  return { afterMs, code: Number(raw) };
}

function readyAfterMs(container: SimContainer): number {
  const behaviour = container.behaviour;
  if (behaviour.kind !== 'serve') return 0;
  const envName = behaviour.readyAfterSecondsEnv;
  const raw = envName === undefined ? undefined : container.spec.env[envName];
  if (raw !== undefined && WHOLE_NUMBER.test(raw)) return Number(raw) * 1000;
  return behaviour.readyAfterMs ?? 0;
}

function wholeSeconds(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : Math.floor(ms / 1000) * 1000;
}

function emptyCalls(): Record<EngineMethod, number> {
  const calls = {} as Record<EngineMethod, number>;
  for (const method of ENGINE_METHODS) calls[method] = 0;
  return calls;
}

function unreachable(method: string): EngineError {
  return new EngineError('unreachable', `${method}: cannot reach the engine (simulated engine is down)`);
}

function nonNegative(value: number, name: string): number {
  if (!Number.isFinite(value) || value < 0) {
    throw new Error(`simulator option ${name} must be a finite number >= 0, got ${value}`);
  }
  return value;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function tagOf(ref: string): string {
  const at = ref.indexOf('@');
  if (at >= 0) return ref.slice(at + 1);
  const lastSlash = ref.lastIndexOf('/');
  const colon = ref.indexOf(':', lastSlash + 1);
  return colon >= 0 ? ref.slice(colon + 1) : 'latest';
}

function repositoryOf(ref: string): string {
  const at = ref.indexOf('@');
  const base = at >= 0 ? ref.slice(0, at) : ref;
  const lastSlash = base.lastIndexOf('/');
  const colon = base.indexOf(':', lastSlash + 1);
  const withHost = colon >= 0 ? base.slice(0, colon) : base;
  const host = registryHostOf(withHost);
  return withHost.startsWith(`${host}/`) ? withHost.slice(host.length + 1) : withHost;
}

function digestOf(ref: string): string {
  return createHash('sha256').update(ref).digest('hex');
}
