import { NEVER, Observable, type Subscriber } from 'rxjs';
import {
  EngineError,
  type BuildSpec,
  type ContainerObservation,
  type ContainerSpec,
  type EngineErrorCode,
  type EngineEvent,
  type EngineInfo,
  type EnginePort,
  type PullOptions,
} from '../engine/port.js';
import { canonicalJson } from '../manifest/canonical-json.js';
import { formatOffset, ReplayDivergence } from './divergence.js';
import type { CallRecord, Numbered, Recording, RecordedError, SubscribeRecord, TimedRecord } from './records.js';

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

interface Expected {
  line: number;
  /** When podwarden made the call (or subscribed) live. */
  madeAt: number;
  key: string;
  consumed: boolean;
}

interface ExpectedCall extends Expected {
  kind: 'call';
  record: CallRecord;
  /** The loop passed the answer's line before podwarden asked: answer as soon as it does. */
  answerDue: boolean;
  waiting?: { resolve: (value: unknown) => void; reject: (error: unknown) => void };
}

interface ExpectedStream extends Expected {
  kind: 'subscribe';
  record: SubscribeRecord;
  subscriber?: Subscriber<EngineEvent>;
  closed: boolean;
}

/** Skews remembered per method: enough to span a run of pass calls between input-driven ones. */
const SKEW_HISTORY = 16;
const VOID_METHODS = new Set(['pull', 'build', 'start', 'stop', 'remove']);
function rebuildError(error: RecordedError, text: (value: unknown) => unknown): Error {
  const message = text(error.message) as string;
  if (error.name === 'EngineError' && error.code !== undefined) {
    return new EngineError(error.code as EngineErrorCode, message);
  }
  return Object.assign(new Error(message), { name: error.name, ...(error.code === undefined ? {} : { code: error.code }) });
}

function truncate(text: string, max = 200): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function describeCall(method: string, args: readonly unknown[]): string {
  if (method === 'create') {
    const spec = args[0] as { name?: unknown } | undefined;
    return `create(${JSON.stringify(spec?.name ?? null)})`;
  }
  const shown = [...args];
  while (shown.length > 0 && (shown.at(-1) === null || shown.at(-1) === undefined)) shown.pop();
  return `${method}(${truncate(shown.map((arg) => JSON.stringify(arg) ?? 'undefined').join(', '))})`;
}

/** Where two JSON values first differ, as `path: recorded X, replay Y`. */
function firstDifference(recorded: unknown, replayed: unknown, path = 'args'): string | undefined {
  if (canonicalJson(recorded) === canonicalJson(replayed)) return undefined;
  const bothObjects =
    recorded !== null && replayed !== null && typeof recorded === 'object' && typeof replayed === 'object' &&
    Array.isArray(recorded) === Array.isArray(replayed);
  if (bothObjects) {
    const keys = new Set([...Object.keys(recorded), ...Object.keys(replayed)]);
    for (const key of [...keys].sort()) {
      const sub = Array.isArray(recorded) ? `${path}[${key}]` : `${path}.${key}`;
      const found = firstDifference(
        (recorded as Record<string, unknown>)[key],
        (replayed as Record<string, unknown>)[key],
        sub,
      );
      if (found) return found;
    }
  }
  return `${path}: recorded ${truncate(JSON.stringify(recorded) ?? 'nothing', 120)}, replay ${truncate(JSON.stringify(replayed) ?? 'nothing', 120)}`;
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

  private readonly calls = new Map<string, ExpectedCall[]>();
  private readonly callsByLine = new Map<number, ExpectedCall>();
  private readonly streams = new Map<number, ExpectedStream>();
  private readonly subscriptions: ExpectedStream[] = [];
  /** Every expected call and subscription, by when it was made live, for overdue checks. */
  private readonly byMadeAt: Array<ExpectedCall | ExpectedStream>;
  private overdueFrom = 0;
  /** The recording was closed (it has its end line), rather than cut short. */
  private readonly complete: boolean;
  /** Per method, how far ahead of the recording the last calls were (ms), for `onTime`. */
  private readonly skews = new Map<string, number[]>();
  /** Per method, the index before which every recorded call is taken. */
  private readonly firstOpen = new Map<string, number>();

  constructor(
    private readonly recording: Recording,
    private readonly context: ReplayEngineContext,
  ) {
    for (const { line, record } of recording.records) {
      if (record.kind === 'call') {
        const entry: ExpectedCall = {
          kind: 'call',
          line,
          record,
          madeAt: record.calledAt,
          key: canonicalJson(record.args),
          consumed: false,
          answerDue: false,
        };
        const list = this.calls.get(record.method) ?? [];
        list.push(entry);
        this.calls.set(record.method, list);
        this.callsByLine.set(line, entry);
      } else if (record.kind === 'subscribe') {
        const entry: ExpectedStream = {
          kind: 'subscribe',
          line,
          record,
          madeAt: record.t,
          key: canonicalJson(record.labels),
          consumed: false,
          closed: false,
        };
        this.streams.set(record.stream, entry);
        this.subscriptions.push(entry);
      }
    }
    this.complete = recording.records.some(({ record }) => record.kind === 'end');
    // Calls made live in this order; the same method's calls keep file (answer) order for matching.
    this.byMadeAt = [...this.callsByLine.values(), ...this.subscriptions].sort(
      (a, b) => a.madeAt - b.madeAt || a.line - b.line,
    );
  }

  ping(): Promise<EngineInfo> {
    return this.call('ping', []);
  }
  imageExists(ref: string): Promise<boolean> {
    return this.call('imageExists', [ref]);
  }
  pull(ref: string, options?: PullOptions): Promise<void> {
    return this.call('pull', [ref, options]);
  }
  build(spec: BuildSpec, options?: PullOptions): Promise<void> {
    return this.call('build', [spec, options]);
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
  list(labels: Record<string, string>): Promise<ContainerObservation[]> {
    return this.call('list', [labels]);
  }

  events(labels: Record<string, string>): Observable<EngineEvent> {
    return new Observable<EngineEvent>((subscriber) => {
      if (this.divergence) return NEVER.subscribe(subscriber);
      const now = this.context.now();
      const recorded = this.context.toRecorded(labels);
      const key = canonicalJson(recorded);
      const match = this.subscriptions.find((entry) => !entry.consumed && entry.key === key);
      if (!match) {
        this.diverge(
          this.context.position() ?? this.subscriptions.at(-1)?.line,
          `at ${formatOffset(now)} podwarden subscribed to engine events ${JSON.stringify(recorded)} after this line, ` +
            `but the recording has no such subscription left (${this.subscriptions.length} recorded)`,
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
        const entry = this.callsByLine.get(line)!;
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
    while (this.overdueFrom < this.byMadeAt.length && this.byMadeAt[this.overdueFrom]!.consumed) this.overdueFrom += 1;
    const first = this.byMadeAt[this.overdueFrom];
    if (first && first.madeAt + this.context.toleranceMs < now) {
      this.diverge(
        first.line,
        `${this.describeExpected(first)} was made live at ${formatOffset(first.madeAt)}, ` +
          `but by ${formatOffset(now)} the replay has not made it`,
      );
    }
  }

  /** At the end of the recording: every recorded call and subscription must have been made. */
  finish(): void {
    if (this.divergence) return;
    const missing = this.byMadeAt.find((entry) => !entry.consumed);
    if (missing) {
      this.diverge(
        missing.line,
        `${this.describeExpected(missing)} was made live at ${formatOffset(missing.madeAt)}, but the replay never made it`,
      );
    }
  }

  private describeExpected(entry: ExpectedCall | ExpectedStream): string {
    return entry.kind === 'call'
      ? `the recorded call ${describeCall(entry.record.method, entry.record.args)}`
      : `the recorded subscription to engine events (stream #${entry.record.stream})`;
  }

  private call<T>(method: string, args: unknown[]): Promise<T> {
    if (this.divergence) return new Promise<T>(() => undefined);
    const now = this.context.now();
    const recorded = this.context.toRecorded(args) as unknown[];
    const key = canonicalJson(recorded);
    const entries = this.calls.get(method) ?? [];
    let open = this.firstOpen.get(method) ?? 0;
    while (open < entries.length && entries[open]!.consumed) open += 1;
    this.firstOpen.set(method, open);
    let match: ExpectedCall | undefined;
    for (let index = open; index < entries.length && !match; index += 1) {
      const entry = entries[index]!;
      if (!entry.consumed && entry.key === key) match = entry;
    }
    if (!match) {
      const next = entries[open];
      if (next) {
        this.diverge(
          next.line,
          `at ${formatOffset(now)} podwarden called ${describeCall(method, recorded)}, but the recording's next ${method} call ` +
            `(made at ${formatOffset(next.madeAt)}) differs: ${firstDifference(next.record.args, recorded)}`,
        );
      } else if (!this.complete) {
        // A recording cut short (a killed daemon) never got the answers of the calls in flight
        // then: a call it has no line for is one of those, and waits for ever, as it did.
        return new Promise<T>(() => undefined);
      } else {
        const last = entries.at(-1);
        this.diverge(
          this.context.position() ?? last?.line,
          `at ${formatOffset(now)} podwarden called ${describeCall(method, recorded)} after this line, ` +
            `but the recording has no ${method} call left ` +
            `(${last ? `the last one, line ${last.line}, was taken by an earlier call` : 'it has none'})${this.missingCallsHint()}`,
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

  /**
   * A match made far from when the call was made live is another call: the recording lacks one.
   * "Far" is measured against the call's own history too: live, each tick of the pass interval
   * fires a little late and the lateness adds up (about 1 ms a tick), while the replay's ticks
   * are exact, so pass calls drift ahead of the recording smoothly. A skew close to one this
   * kind of call already had is that drift; a jump is a missing or extra call.
   */
  private onTime(entry: ExpectedCall | ExpectedStream, what: string, now: number): boolean {
    const skew = entry.madeAt - now;
    const kind = entry.kind === 'call' ? entry.record.method : 'events';
    const seen = this.skews.get(kind) ?? [];
    const tolerance = this.context.toleranceMs;
    if (Math.abs(skew) <= tolerance || seen.some((earlier) => Math.abs(skew - earlier) <= tolerance)) {
      seen.push(skew);
      if (seen.length > SKEW_HISTORY) seen.shift();
      this.skews.set(kind, seen);
      return true;
    }
    this.diverge(
      entry.line,
      `at ${formatOffset(now)} podwarden ${what}, but the recording's next such call was made at ${formatOffset(entry.madeAt)}: ` +
        (skew > 0
          ? `an answer is missing from the recording before this line, or podwarden took another path${this.missingCallsHint()}`
          : 'podwarden made it later than it did live, so it took another path'),
    );
    return false;
  }

  /** Calls are numbered as they were made; a gap means a line was taken out of the file. */
  private missingCallsHint(): string {
    const lineOf = new Map([...this.callsByLine.values()].map((entry) => [entry.record.seq, entry.line]));
    let highest = 0;
    for (const seq of lineOf.keys()) highest = Math.max(highest, seq);
    const missing: string[] = [];
    for (let seq = 1; seq <= highest && missing.length < 3; seq += 1) {
      if (lineOf.has(seq)) continue;
      const before = lineOf.get(seq - 1);
      missing.push(`number ${seq}${before === undefined ? '' : ` (made after the call at line ${before})`}`);
    }
    return missing.length === 0 ? '' : `; the recording lacks call ${missing.join(', ')}`;
  }

  private answer(entry: ExpectedCall): void {
    const { record, waiting } = entry;
    if (!waiting || record.unanswered) return;
    entry.waiting = undefined;
    if (record.error) {
      waiting.reject(rebuildError(record.error, this.context.fromRecorded));
      return;
    }
    if (record.result === null || record.result === undefined) {
      waiting.resolve(VOID_METHODS.has(record.method) ? undefined : null);
      return;
    }
    waiting.resolve(this.context.fromRecorded(record.result));
  }

  private deliverToStream(line: number, record: Extract<TimedRecord, { kind: 'event' | 'stream-error' | 'stream-end' }>): void {
    const stream = this.streams.get(record.stream);
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
