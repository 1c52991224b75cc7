import { filter, Observable } from 'rxjs';
import { EngineError } from '../../domain/engine-error.js';
import {
  type BuildSpec,
  type EngineEvent,
  type EngineInfo,
  type EnginePort,
  type LogLine,
  type LogOptions,
  type ExecResult,
  type ImageIdentity,
  type PullOptions,
  type StorageSpace,
} from '../port.js';
import { type ContainerObservation } from '../../domain/container-observation.js';
import { type ContainerSpec } from '../../domain/container-spec.js';
import { sleepOn } from '../../domain/clock.js';
import { EngineConditions, unreachable, type EngineConditionsOptions } from './simulator-conditions.js';
import { ContainerTable, observe, type SimContainer } from './simulator-containers.js';
import {
  createSimulatorControl,
  defaultExecAnswer,
  type ExecAnswer,
  type SimulatorControl,
} from './simulator-control.js';
import { SimulatedEventHub } from './simulator-events.js';
import { SimulatedImageStore, type ImageStoreOptions } from './simulator-image-store.js';
import { ContainerLifecycle } from './simulator-lifecycle.js';
import { SimulatedOutput } from './simulator-output.js';
import { HostPortTable } from './simulator-ports.js';
import { normalizeImageRef } from '../image-ref.js';
import { adoptOrRefuseName } from '../name-conflict.js';

export interface SimulatorOptions extends ImageStoreOptions, EngineConditionsOptions {
  /** Reported by ping. Default '4.3.1'. */
  version?: string;
}

export interface SimulatedEngine extends EnginePort {
  readonly control: SimulatorControl;
}

const NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** podman's rootful GraphRoot, as the simulator reports it. */
export const SIMULATED_STORAGE_ROOT = '/var/lib/containers/storage';

/**
 * An in-memory podman 4.3 as podwarden sees it through the Docker-compatible API: the same
 * states, errors, idempotence and event shapes as the dockerode adapter, checked against the
 * real engine by the conformance scenarios in test/conformance. Its time is `options.clock`
 * (the system clock by default, so vitest's fake timers drive it too).
 */
export function createSimulatedEngine(options: SimulatorOptions = {}): SimulatedEngine {
  return new Simulator(options);
}

class Simulator implements SimulatedEngine {
  readonly control: SimulatorControl;

  private readonly version: string;
  private readonly conditions: EngineConditions;
  private readonly images: SimulatedImageStore;
  private readonly table = new ContainerTable();
  private readonly hub: SimulatedEventHub;
  private readonly lifecycle: ContainerLifecycle;
  private readonly output = new SimulatedOutput();
  private readonly execAnswers = new Map<string, ExecAnswer>();

  constructor(options: SimulatorOptions) {
    this.version = options.version ?? '4.3.1';
    this.conditions = new EngineConditions(options);
    this.images = new SimulatedImageStore(options);
    const conditions = this.conditions;
    this.hub = new SimulatedEventHub(
      () => conditions.eventLatencyMs,
      () => conditions.reachable,
      conditions.clock,
    );
    const ports = new HostPortTable();
    this.lifecycle = new ContainerLifecycle(this.table, ports, this.hub, this.output, conditions.clock);
    this.control = createSimulatorControl({
      conditions,
      images: this.images,
      table: this.table,
      lifecycle: this.lifecycle,
      hub: this.hub,
      ports,
      output: this.output,
      execAnswers: this.execAnswers,
      clock: conditions.clock,
    });
  }

  async ping(): Promise<EngineInfo> {
    await this.conditions.enter('ping');
    // podman 4.3 as on these machines: rootful, and no systemd to run health checks.
    return { flavor: 'podman', version: this.version, rootless: false, runsHealthchecks: false };
  }

  async imageExists(ref: string): Promise<boolean> {
    await this.conditions.enter('imageExists');
    return this.images.localImage(ref) !== undefined;
  }

  async pull(ref: string, options: PullOptions = {}): Promise<void> {
    await this.conditions.enter('pull');
    if (this.conditions.pullLatencyMs > 0) await sleepOn(this.conditions.clock, this.conditions.pullLatencyMs);
    if (!this.conditions.reachable) throw unreachable('pull');
    this.images.pull(ref, options);
  }

  async build(spec: BuildSpec, options: PullOptions = {}): Promise<void> {
    await this.conditions.enter('build');
    this.images.build(spec, options);
  }

  async storageSpace(): Promise<StorageSpace> {
    await this.conditions.enter('storageSpace');
    return { root: SIMULATED_STORAGE_ROOT, freeBytes: this.images.freeBytes };
  }

  async create(spec: ContainerSpec): Promise<{ id: string }> {
    await this.conditions.enter('create');
    const action = `create of container ${spec.name} (image ${spec.image})`;
    if (!NAME_PATTERN.test(spec.name)) {
      throw new EngineError('engine', `${action}: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument`);
    }
    // Podman resolves the image before it looks at the name: a retried create whose image
    // has gone fails with image-not-found even though the container exists.
    const behaviour = this.images.localImage(spec.image);
    if (!behaviour) {
      throw new EngineError(
        'image-not-found',
        `${action}: image ${spec.image} is not in the engine's storage (pull it first): image not known`,
      );
    }
    const existing = this.table.named(spec.name);
    if (existing) {
      return adoptOrRefuseName(action, spec, existing);
    }
    const container = this.table.add(spec, normalizeImageRef(spec.image), behaviour);
    this.lifecycle.emit(container, 'create');
    return { id: container.id };
  }

  async start(id: string): Promise<void> {
    await this.conditions.enter('start');
    this.lifecycle.start(this.table.require(id, 'start'));
  }

  async stop(id: string, options: { timeoutSeconds?: number } = {}): Promise<void> {
    await this.conditions.enter('stop');
    const container = this.table.require(id, 'stop');
    await this.lifecycle.stop(container, options.timeoutSeconds);
  }

  async remove(id: string): Promise<void> {
    await this.conditions.enter('remove');
    const container = this.table.resolve(id);
    if (!container) return;
    await this.lifecycle.forceRemove(container, undefined);
  }

  async inspect(idOrName: string): Promise<ContainerObservation | null> {
    await this.conditions.enter('inspect');
    const container = this.table.resolve(idOrName);
    return container ? observe(container, true) : null;
  }

  async containerImage(idOrName: string): Promise<ImageIdentity | null> {
    await this.conditions.enter('containerImage');
    const container = this.table.resolve(idOrName);
    return container ? this.images.identityOf(container.image, container.behaviour) : null;
  }

  async exec(id: string, command: string[], options: { timeoutMs: number }): Promise<ExecResult> {
    await this.conditions.enter('exec');
    const container = this.table.require(id, 'exec');
    if (container.status !== 'running') {
      throw new EngineError(
        'engine',
        `exec in container ${id}: container state improper: can only exec in running containers`,
      );
    }
    const answer = this.execAnswers.get(container.id);
    const result = answer ? answer(command) : defaultExecAnswer(container, this.conditions.clock.now());
    if (result === 'hang') {
      await sleepOn(this.conditions.clock, options.timeoutMs);
      throw new EngineError(
        'engine',
        `${JSON.stringify(command.join(' '))} did not finish within ${options.timeoutMs} ms`,
      );
    }
    return result;
  }

  async list(labels: Record<string, string>): Promise<ContainerObservation[]> {
    await this.conditions.enter('list');
    return this.table.withLabels(labels).map((container) => observe(container, false));
  }

  logs(id: string, options: LogOptions = {}): Observable<LogLine> {
    return new Observable<LogLine>((subscriber) => {
      let inner: { unsubscribe(): void } | undefined;
      this.conditions.enter('logs').then(
        () => {
          let container: SimContainer;
          try {
            container = this.table.require(id, 'logs');
          } catch (error) {
            // An unknown container is the stream's error, as podman's 404 is the adapter's.
            subscriber.error(error);
            return;
          }
          // A follower stops with the process, as `podman logs -f` does.
          const ended = this.hub
            .observe({})
            .pipe(
              filter(
                (event) =>
                  event.kind === 'container' &&
                  event.containerId === container.id &&
                  (event.action === 'die' || event.action === 'remove'),
              ),
            );
          inner = this.output.read(container.id, options, container.status === 'running', ended).subscribe(subscriber);
        },
        (error: unknown) => subscriber.error(error),
      );
      return () => inner?.unsubscribe();
    });
  }

  events(labels: Record<string, string>): Observable<EngineEvent> {
    const inner = this.hub.observe(labels);
    return new Observable<EngineEvent>((subscriber) => {
      this.conditions.calls.events += 1;
      const injected = this.conditions.takeFailure('events');
      if (injected) {
        const clock = this.conditions.clock;
        const timer = clock.setTimeout(() => subscriber.error(injected), 0);
        return () => clock.clearTimeout(timer);
      }
      const subscription = inner.subscribe(subscriber);
      return () => subscription.unsubscribe();
    });
  }
}
