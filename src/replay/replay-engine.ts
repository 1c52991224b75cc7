import { NEVER, Observable, throwError } from 'rxjs';
import { EngineError } from '../domain/engine-error.js';
import type {
  LogLine,
  BuildSpec,
  ExecResult,
  EngineEvent,
  EngineInfo,
  EnginePort,
  PullOptions,
  ImageIdentity,
  StorageSpace,
} from '../engine/port.js';
import type { ContainerObservation } from '../domain/container-observation.js';
import type { ContainerSpec } from '../domain/container-spec.js';
import { canonicalJson } from '../manifest/canonical-json.js';
import { describeCall, firstDifference } from './call-text.js';
import { CallSkews } from './call-skew.js';
import { formatOffset, ReplayDivergence } from './divergence.js';
import { describeExpected, ExpectedCalls, type ExpectedCall, type ExpectedStream } from './expected-calls.js';
import { rebuildError, settleFromRecord } from './recorded-answers.js';
import type { Numbered, Recording, TimedRecord } from './records.js';

export interface ReplayEngineContext {
  /** Virtual ms since the recording started. */
  now(): number;
  /** The line of the input the replay fed last: where podwarden was when it made a call. */
  position(): number | undefined;
  /** How far (ms) a call may be made from when it was made live before it counts as another call. */
  toleranceMs: number;
  /** A value podwarden hands the engine, in the recording's portable form. */
  toRecorded(value: unknown): unknown;
  /** A recorded answer or event, in this replay's terms (its directories, its spec hashes). */
  fromRecorded(value: unknown): unknown;
  /** Remembers a spec podwarden creates, so its spec hash can be translated both ways. */
  learnSpec(spec: ContainerSpec): void;
}

/**
 * An engine that answers from a recording. A call is matched with the first recorded call of
 * the same method and arguments that no earlier call took (so concurrent apps may interleave
 * differently), and answered at the moment its answer arrived live. Events are emitted when
 * the replay loop reaches them. Anything that does not fit is a divergence: the engine stops
 * answering and `divergence` says where.
 */
export class ReplayEngine implements EnginePort {
  divergence: ReplayDivergence | undefined;

  private readonly expected: ExpectedCalls;
  private readonly skews = new CallSkews();

  constructor(
    private readonly recording: Recording,
    private readonly context: ReplayEngineContext,
  ) {
    this.expected = new ExpectedCalls(recording);
  }

  ping(): Promise<EngineInfo> {
    return this.call('ping', []);
  }
  imageExists(ref: string): Promise<boolean> {
    return this.call('imageExists', [ref]);
  }
  containerImage(idOrName: string): Promise<ImageIdentity | null> {
    return this.call('containerImage', [idOrName]);
  }
  pull(ref: string, options?: PullOptions): Promise<void> {
    return this.call('pull', [ref, options]);
  }
  build(spec: BuildSpec, options?: PullOptions): Promise<void> {
    return this.call('build', [spec, options]);
  }
  storageSpace(): Promise<StorageSpace> {
    return this.call('storageSpace', []);
  }
  create(spec: ContainerSpec): Promise<{ id: string }> {
    this.context.learnSpec(spec);
    return this.call('create', [spec]);
  }
  start(id: string): Promise<void> {
    return this.call('start', [id]);
  }
  stop(id: string, options?: { timeoutSeconds?: number }): Promise<void> {
    return this.call('stop', [id, options]);
  }
  remove(id: string): Promise<void> {
    return this.call('remove', [id]);
  }
  inspect(idOrName: string): Promise<ContainerObservation | null> {
    return this.call('inspect', [idOrName]);
  }
  exec(id: string, command: string[], options: { timeoutMs: number }): Promise<ExecResult> {
    return this.call('exec', [id, command, options]);
  }
  list(labels: Record<string, string>): Promise<ContainerObservation[]> {
    return this.call('list', [labels]);
  }

  /** Recordings hold no container output (it never reaches the machines). */
  logs(id: string): Observable<LogLine> {
    return throwError(
      () =>
        new EngineError(
          'engine',
          `logs of container ${id}: a replay has no container output (recordings do not hold it)`,
        ),
    );
  }

  events(labels: Record<string, string>): Observable<EngineEvent> {
    return new Observable<EngineEvent>((subscriber) => {
      if (this.divergence) return NEVER.subscribe(subscriber);
      const now = this.context.now();
      const recorded = this.context.toRecorded(labels);
      const key = canonicalJson(recorded);
      const match = this.expected.matchSubscription(key);
      if (!match) {
        this.diverge(
          this.context.position() ?? this.expected.lastSubscriptionLine,
          `at ${formatOffset(now)} podwarden subscribed to engine events ${JSON.stringify(recorded)} after this line, ` +
            `but the recording has no such subscription left (${this.expected.subscriptionCount} recorded)`,
        );
        return undefined;
      }
      if (!this.onTime(match, `subscribed to engine events (stream #${match.record.stream})`, now)) return undefined;
      match.consumed = true;
      match.subscriber = subscriber;
      return () => {
        match.closed = true;
        match.subscriber = undefined;
      };
    });
  }

  /** Feeds one recorded input (an answer, an event, a stream's end) at its time. */
  deliver({ line, record }: Numbered): void {
    if (this.divergence) return;
    switch (record.kind) {
      case 'call': {
        const entry = this.expected.callOnLine(line)!;
        if (entry.consumed) this.answer(entry);
        else entry.answerDue = true;
        return;
      }
      case 'event':
      case 'stream-error':
      case 'stream-end':
        this.deliverToStream(line, record);
        return;
      default:
        throw new Error(`line ${line}: a ${record.kind} record is not an engine input`);
    }
  }

  /** A call or subscription made live long enough ago that the replay should have made it too. */
  checkOverdue(): void {
    if (this.divergence) return;
    const now = this.context.now();
    const first = this.expected.firstOverdue(now, this.context.toleranceMs);
    if (first) {
      this.diverge(
        first.line,
        `${describeExpected(first)} was made live at ${formatOffset(first.madeAt)}, ` +
          `but by ${formatOffset(now)} the replay has not made it`,
      );
    }
  }

  /** At the end of the recording: every recorded call and subscription must have been made. */
  finish(): void {
    if (this.divergence) return;
    const missing = this.expected.firstMissing();
    if (missing) {
      this.diverge(
        missing.line,
        `${describeExpected(missing)} was made live at ${formatOffset(missing.madeAt)}, but the replay never made it`,
      );
    }
  }

  private call<T>(method: string, args: unknown[]): Promise<T> {
    if (this.divergence) return new Promise<T>(() => undefined);
    const now = this.context.now();
    const recorded = this.context.toRecorded(args) as unknown[];
    const { match, next, last } = this.expected.matchCall(method, canonicalJson(recorded));
    if (!match) {
      if (next) {
        this.diverge(
          next.line,
          `at ${formatOffset(now)} podwarden called ${describeCall(method, recorded)}, but the recording's next ${method} call ` +
            `(made at ${formatOffset(next.madeAt)}) differs: ${firstDifference(next.record.args, recorded)}`,
        );
      } else if (!this.expected.complete) {
        // A recording cut short (a killed daemon) never got the answers of the calls in flight
        // then: a call it has no line for is one of those, and waits for ever, as it did.
        return new Promise<T>(() => undefined);
      } else {
        this.diverge(
          this.context.position() ?? last?.line,
          `at ${formatOffset(now)} podwarden called ${describeCall(method, recorded)} after this line, ` +
            `but the recording has no ${method} call left ` +
            `(${last ? `the last one, line ${last.line}, was taken by an earlier call` : 'it has none'})${this.expected.missingCallsHint()}`,
        );
      }
      return new Promise<T>(() => undefined);
    }
    if (!this.onTime(match, `called ${describeCall(method, recorded)}`, now)) return new Promise<T>(() => undefined);
    match.consumed = true;
    return new Promise<T>((resolve, reject) => {
      match.waiting = { resolve: resolve as (value: unknown) => void, reject };
      if (match.answerDue) this.answer(match);
    });
  }

  /** A match made far from when the call was made live is another call: the recording lacks one. */
  private onTime(entry: ExpectedCall | ExpectedStream, what: string, now: number): boolean {
    const skew = entry.madeAt - now;
    const kind = entry.kind === 'call' ? entry.record.method : 'events';
    if (this.skews.fits(kind, skew, this.context.toleranceMs)) return true;
    this.diverge(
      entry.line,
      `at ${formatOffset(now)} podwarden ${what}, but the recording's next such call was made at ${formatOffset(entry.madeAt)}: ` +
        (skew > 0
          ? `an answer is missing from the recording before this line, or podwarden took another path${this.expected.missingCallsHint()}`
          : 'podwarden made it later than it did live, so it took another path'),
    );
    return false;
  }

  /** A call that ended without an answer (`unanswered`) keeps its caller waiting for ever, as it did live. */
  private answer(entry: ExpectedCall): void {
    const { record, waiting } = entry;
    if (!waiting || record.unanswered) return;
    entry.waiting = undefined;
    settleFromRecord(record, waiting, (value) => this.context.fromRecorded(value));
  }

  private deliverToStream(
    line: number,
    record: Extract<TimedRecord, { kind: 'event' | 'stream-error' | 'stream-end' }>,
  ): void {
    const stream = this.expected.stream(record.stream);
    if (!stream) {
      this.diverge(line, `an engine event on stream #${record.stream}, which the recording never subscribed to`);
      return;
    }
    if (!stream.consumed) {
      this.diverge(
        line,
        `the recording has an engine event on stream #${record.stream} (subscribed live at ${formatOffset(stream.madeAt)}, line ${stream.line}), ` +
          'but the replay has not subscribed to it',
      );
      return;
    }
    const subscriber = stream.subscriber;
    // podwarden had already let go of the stream: live, the event reached nobody either.
    if (stream.closed || !subscriber) return;
    if (record.kind === 'event') {
      subscriber.next(this.context.fromRecorded(record.event) as EngineEvent);
    } else if (record.kind === 'stream-error') {
      stream.closed = true;
      subscriber.error(rebuildError(record.error, this.context.fromRecorded));
    } else {
      stream.closed = true;
      subscriber.complete();
    }
  }

  private diverge(line: number | undefined, detail: string): void {
    this.divergence ??= new ReplayDivergence(this.recording.file, line, detail);
  }
}
