import type { Clock } from '../../domain/clock.js';
import { EngineError } from '../../domain/engine-error.js';
import { type ContainerAction, type ContainerEvent, type HealthStatus } from '../../domain/container-observation.js';
import type { ContainerTable, SimContainer } from './simulator-containers.js';
import type { SimulatedEventHub } from './simulator-events.js';
import type { SimulatedOutput } from './simulator-output.js';
import type { HostPortTable } from './simulator-ports.js';
import { exitPlan } from './simulator-process.js';

/**
 * The stop timeout podman 4.3 gives a container created through the Docker-compatible API
 * without `StopTimeout` (the CLI's default of 10 does not apply there).
 */
const COMPAT_CREATE_STOP_TIMEOUT_SECONDS = 0;
const SIGKILL_EXIT = 137;

/**
 * The state rules of simulated containers, as podman 4.3 applies them: start, stop, kill,
 * pause, exits on their own (timers, frozen by pause) and removal, each with its events.
 */
export class ContainerLifecycle {
  private nextPid = 1000;

  constructor(
    private readonly table: ContainerTable,
    private readonly ports: HostPortTable,
    private readonly hub: SimulatedEventHub,
    private readonly output: SimulatedOutput,
    private readonly clock: Clock,
  ) {}

  start(container: SimContainer): void {
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
      const holder = heldBy === 'host' ? 'a host process' : `container ${this.table.withId(heldBy)?.name ?? heldBy}`;
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
    container.startedAt = this.clock.now();
    container.health = container.hasHealthcheck ? 'starting' : 'none';
    container.failingStreak = 0;
    this.emit(container, 'start');
    this.print(container);
    const plan = exitPlan(container);
    if (!plan) return;
    // A process that exits at once is gone before podman answers the start (9 of 10 crasher
    // starts measured through the adapter inspected as exited straight after start resolved).
    if (plan.afterMs <= 0) this.exited(container, plan.code);
    else this.armExit(container, plan.afterMs, plan.code);
  }

  /** Resolves at once (undefined) when the process is already gone; a promise while it lingers. */
  stop(container: SimContainer, timeoutSeconds: number | undefined): Promise<void> | undefined {
    if (container.status === 'paused') {
      throw new EngineError(
        'engine',
        `stop of container ${container.name}: it is paused; podman refuses to stop a paused container ` +
          '(container state improper): unpause it first, or remove it',
      );
    }
    return this.terminate(container, timeoutSeconds);
  }

  /** `podman kill`: a `kill` event, then `die` unless the process ignores the signal. */
  kill(container: SimContainer, signal: 'SIGKILL' | 'SIGTERM'): void {
    this.emit(container, 'kill');
    if (signal === 'SIGKILL') this.exited(container, SIGKILL_EXIT);
    else if (!container.behaviour.ignoresTerm) this.exited(container, 0);
  }

  oomKill(container: SimContainer): void {
    this.emit(container, 'oom');
    this.exited(container, SIGKILL_EXIT, true);
  }

  pause(container: SimContainer): void {
    this.freeze(container);
    this.emit(container, 'pause');
  }

  unpause(container: SimContainer): void {
    this.thaw(container);
    this.emit(container, 'unpause');
  }

  /**
   * Ends the process if needed, then forgets the container. Without a lingering process it
   * all happens synchronously, so an outside `rm -f` is complete when the control call returns.
   */
  async forceRemove(container: SimContainer, graceSeconds: number | undefined): Promise<void> {
    const lingering = this.terminate(container, graceSeconds);
    if (lingering) await lingering;
    // A concurrent remove may have finished while this one waited for the process to end.
    if (!this.table.holds(container)) return;
    this.disarm(container);
    this.table.delete(container);
    this.emit(container, 'remove');
  }

  /** The process is gone: podman records the exit, frees the ports and emits `die`. */
  exited(container: SimContainer, code: number, oomKilled = false): void {
    this.disarm(container);
    this.ports.release(container.spec.ports, container.id);
    container.status = 'exited';
    container.exitCode = code;
    container.oomKilled = oomKilled;
    container.pid = 0;
    container.finishedAt = this.clock.now();
    this.emit(container, 'die', { exitCode: code });
    const waiters = container.exitWaiters.splice(0);
    for (const resolve of waiters) resolve();
  }

  /**
   * Podman's event attributes are the container's labels plus its own keys (name, image,
   * podId, containerExitCode, and exitCode on `die`); the adapter passes them all on as labels.
   * A health event's status travels outside the attributes (podman's top-level HealthStatus).
   */
  emit(
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
      time: this.clock.now(),
      ...extra,
    };
    this.hub.publish(event, container.labels);
  }

  /**
   * SIGTERM, then SIGKILL after the stop timeout: the caller's, else the container's, which
   * the compat create API leaves at 0 unless the spec sets one. With 0, podman skips SIGTERM
   * and the container dies 137 even when its image traps TERM. Our images trap TERM and exit
   * 0 at once; an image that ignores it holds the caller for the whole timeout, as podman does.
   * Resolves at once (undefined) when the process is already gone; a promise while it lingers.
   */
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
        container.killTimer = this.clock.setTimeout(() => {
          container.killTimer = undefined;
          if (container.status === 'running') this.exited(container, SIGKILL_EXIT);
        }, seconds * 1000);
      }
    });
  }

  /** The entry point's lines: those due at once before start answers, the others on their timers. */
  private print(container: SimContainer): void {
    const now = this.clock.now();
    for (const line of container.behaviour.output ?? []) {
      const { afterMs, ...printed } = line;
      if (afterMs <= 0) this.output.write(container.id, printed);
      else container.pendingOutput.push({ dueAt: now + afterMs, line: printed });
    }
    for (const pending of container.pendingOutput) this.armLine(container, pending, pending.dueAt - now);
  }

  private armLine(container: SimContainer, pending: SimContainer['pendingOutput'][number], afterMs: number): void {
    pending.dueAt = this.clock.now() + afterMs;
    pending.remainingMs = undefined;
    pending.timer = this.clock.setTimeout(() => {
      container.pendingOutput = container.pendingOutput.filter((other) => other !== pending);
      if (container.status === 'running') this.output.write(container.id, pending.line);
    }, afterMs);
  }

  private armExit(container: SimContainer, afterMs: number, code: number): void {
    container.exitDueAt = this.clock.now() + afterMs;
    container.exitPlanCode = code;
    container.exitTimer = this.clock.setTimeout(() => {
      container.exitTimer = undefined;
      if (container.status === 'running') this.exited(container, code);
    }, afterMs);
  }

  private disarm(container: SimContainer): void {
    // A process that is gone prints nothing more.
    for (const pending of container.pendingOutput.splice(0)) this.clock.clearTimeout(pending.timer);
    this.clock.clearTimeout(container.exitTimer);
    this.clock.clearTimeout(container.killTimer);
    container.exitTimer = undefined;
    container.killTimer = undefined;
    container.exitDueAt = undefined;
    container.exitRemainingMs = undefined;
  }

  private freeze(container: SimContainer): void {
    container.status = 'paused';
    for (const pending of container.pendingOutput) {
      this.clock.clearTimeout(pending.timer);
      pending.timer = undefined;
      pending.remainingMs = Math.max(0, pending.dueAt - this.clock.now());
    }
    if (container.exitTimer !== undefined && container.exitDueAt !== undefined) {
      this.clock.clearTimeout(container.exitTimer);
      container.exitTimer = undefined;
      container.exitRemainingMs = Math.max(0, container.exitDueAt - this.clock.now());
      container.exitDueAt = undefined;
    }
  }

  private thaw(container: SimContainer): void {
    container.status = 'running';
    for (const pending of container.pendingOutput) this.armLine(container, pending, pending.remainingMs ?? 0);
    const remaining = container.exitRemainingMs;
    container.exitRemainingMs = undefined;
    if (remaining !== undefined) this.armExit(container, remaining, container.exitPlanCode);
  }
}
