import type { Clock } from '../../domain/clock.js';
import { EngineError, type EngineErrorCode } from '../../domain/engine-error.js';
import { type ExecResult } from '../port.js';
import { type HealthStatus } from '../../domain/container-observation.js';
import { type PortBinding } from '../../domain/container-spec.js';
import type { EngineConditions, EngineMethod } from './simulator-conditions.js';
import type { ContainerTable, SimContainer } from './simulator-containers.js';
import type { SimulatedEventHub } from './simulator-events.js';
import type { SimulatedImageStore } from './simulator-image-store.js';
import type { ImageBehaviour } from './simulator-images.js';
import type { ContainerLifecycle } from './simulator-lifecycle.js';
import type { SimulatedOutput } from './simulator-output.js';
import type { HostPortTable } from './simulator-ports.js';
import { isServing, recordHealthcheck } from './simulator-process.js';

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
  /** Free bytes on the image store's file system, as `storageSpace` reports them. */
  setFreeSpace(bytes: number): void;

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
  /** The container's process writes a line (what `logs` returns; the simulator invents none). */
  writeOutput(idOrName: string, text: string, stream?: 'stdout' | 'stderr'): void;
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
  /**
   * What `exec` in this container answers from now on (a probe's command, say): a result,
   * or 'hang' for a command that outlives its timeout. Without one, a command succeeds
   * while the service is serving (see `isServing`) and fails with exit 1 otherwise.
   */
  answerExec(idOrName: string, answer: ExecAnswer): void;
}

export type ExecAnswer = (command: string[]) => ExecResult | 'hang';

/** What exec answers when no test said otherwise: the service's own state. */
export function defaultExecAnswer(container: SimContainer, now: number): ExecResult {
  return isServing(container, now) ? { exitCode: 0, output: '' } : { exitCode: 1, output: 'service is not serving' };
}

/** The parts of the simulated engine that the outside world and the fault injection reach. */
export interface SimulatorParts {
  conditions: EngineConditions;
  images: SimulatedImageStore;
  table: ContainerTable;
  lifecycle: ContainerLifecycle;
  hub: SimulatedEventHub;
  ports: HostPortTable;
  output: SimulatedOutput;
  /** Per container id: what exec answers (see `answerExec`). */
  execAnswers: Map<string, ExecAnswer>;
  clock: Clock;
}

export function createSimulatorControl(parts: SimulatorParts): SimulatorControl {
  const { conditions, images, table, lifecycle, hub, ports, output, execAnswers, clock } = parts;
  const outside = (idOrName: string, action: string): SimContainer => {
    const container = table.resolve(idOrName);
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
      return conditions.calls;
    },
    resetCalls() {
      conditions.resetCalls();
    },
    answerExec(idOrName, answer) {
      execAnswers.set(outside(idOrName, 'answerExec').id, answer);
    },
    publishImage(ref, behaviour) {
      images.publish(ref, behaviour);
    },
    unpublishImage(ref) {
      images.unpublish(ref);
    },
    removeLocalImage(ref) {
      images.removeLocal(ref);
    },
    defineBuildContext(context, behaviour) {
      images.defineBuildContext(context, behaviour);
    },
    setRegistryReachable(reachable) {
      images.registryReachable = reachable;
    },
    setFreeSpace(bytes) {
      images.freeBytes = bytes;
    },
    setReachable(reachable) {
      conditions.reachable = reachable;
      if (!reachable) hub.dropAll('engine stopped answering');
    },
    dropEventStreams() {
      hub.dropAll('engine restarted');
    },
    rotateEventLog(count) {
      hub.replay(count);
    },
    get openEventStreams() {
      return hub.openStreams;
    },
    failNext(method, error, times = 1) {
      conditions.failNext(method, error, times);
    },
    setEventLatency(ms) {
      conditions.setEventLatency(ms);
    },
    setPullLatency(ms) {
      conditions.setPullLatency(ms);
    },
    setCallLatency(ms) {
      conditions.setCallLatency(ms);
    },
    kill(idOrName, signal = 'SIGKILL') {
      const container = outside(idOrName, 'kill');
      mustRun(container, 'kill');
      lifecycle.kill(container, signal);
    },
    exitProcess(idOrName, code) {
      const container = outside(idOrName, 'exitProcess');
      mustRun(container, 'exitProcess');
      lifecycle.exited(container, code);
    },
    oomKill(idOrName) {
      const container = outside(idOrName, 'oomKill');
      mustRun(container, 'oomKill');
      lifecycle.oomKill(container);
    },
    pause(idOrName) {
      const container = outside(idOrName, 'pause');
      mustRun(container, 'pause');
      lifecycle.pause(container);
    },
    unpause(idOrName) {
      const container = outside(idOrName, 'unpause');
      if (container.status !== 'paused') {
        throw new EngineError(
          'engine',
          `control.unpause: container ${container.name} is ${container.status}, not paused`,
        );
      }
      lifecycle.unpause(container);
    },
    removeBehindBack(idOrName, graceSeconds = 0) {
      const container = outside(idOrName, 'removeBehindBack');
      void lifecycle.forceRemove(container, graceSeconds);
    },
    setHealth(idOrName, health) {
      const container = outside(idOrName, 'setHealth');
      container.health = health;
      lifecycle.emit(container, 'health', { health });
    },
    writeOutput(idOrName, text, stream = 'stdout') {
      const container = outside(idOrName, 'writeOutput');
      mustRun(container, 'writeOutput');
      output.write(container.id, { stream, text });
    },
    runHealthcheck(idOrName) {
      const container = outside(idOrName, 'runHealthcheck');
      mustRun(container, 'runHealthcheck');
      if (!container.hasHealthcheck) {
        throw new EngineError('engine', `control.runHealthcheck: container ${container.name} has no health check`);
      }
      const before = recordHealthcheck(container, clock.now());
      lifecycle.emit(container, 'health', { health: before });
      return container.health;
    },
    isServing(idOrName) {
      const container = table.resolve(idOrName);
      return container !== undefined && isServing(container, clock.now());
    },
    holdHostPort(hostPort, protocol = 'tcp', hostIp) {
      const binding: PortBinding = { hostPort, containerPort: hostPort, protocol };
      if (hostIp !== undefined) binding.hostIp = hostIp;
      ports.hold([binding], 'host');
    },
    releaseHostPort(hostPort, protocol = 'tcp') {
      ports.release([{ hostPort, containerPort: hostPort, protocol }], 'host');
    },
    get containerCount() {
      return table.size;
    },
  };
}
