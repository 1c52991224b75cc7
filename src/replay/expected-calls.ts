import type { Subscriber } from 'rxjs';
import type { EngineEvent } from '../engine/port.js';
import { canonicalJson } from '../manifest/canonical-json.js';
import { describeCall } from './call-text.js';
import type { AnswerWaiter } from './recorded-answers.js';
import type { CallRecord, Recording, SubscribeRecord } from './records.js';

interface Expected {
  line: number;
  /** When podwarden made the call (or subscribed) live. */
  madeAt: number;
  key: string;
  consumed: boolean;
}

export interface ExpectedCall extends Expected {
  kind: 'call';
  record: CallRecord;
  /** The loop passed the answer's line before podwarden asked: answer as soon as it does. */
  answerDue: boolean;
  waiting?: AnswerWaiter;
}

export interface ExpectedStream extends Expected {
  kind: 'subscribe';
  record: SubscribeRecord;
  subscriber?: Subscriber<EngineEvent>;
  closed: boolean;
}

/** What a call found among the recorded calls of its method. */
export interface CallMatch {
  match: ExpectedCall | undefined;
  /** The first recorded call of the method that no earlier call took. */
  next: ExpectedCall | undefined;
  /** The method's last recorded call. */
  last: ExpectedCall | undefined;
}

/**
 * The calls and subscriptions a recording expects podwarden to make, and which of them the
 * replay has made so far. Arguments are compared in their canonical JSON form.
 */
export class ExpectedCalls {
  /** The recording was closed (it has its end line), rather than cut short. */
  readonly complete: boolean;

  private readonly calls = new Map<string, ExpectedCall[]>();
  private readonly callsByLine = new Map<number, ExpectedCall>();
  private readonly streams = new Map<number, ExpectedStream>();
  private readonly subscriptions: ExpectedStream[] = [];
  /** Every expected call and subscription, by when it was made live, for overdue checks. */
  private readonly byMadeAt: Array<ExpectedCall | ExpectedStream>;
  private overdueFrom = 0;
  /** Per method, the index before which every recorded call is taken. */
  private readonly firstOpen = new Map<string, number>();

  constructor(recording: Recording) {
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

  /** The recorded call whose answer is on `line`. */
  callOnLine(line: number): ExpectedCall | undefined {
    return this.callsByLine.get(line);
  }

  /** The recorded subscription numbered `stream`. */
  stream(stream: number): ExpectedStream | undefined {
    return this.streams.get(stream);
  }

  get subscriptionCount(): number {
    return this.subscriptions.length;
  }

  get lastSubscriptionLine(): number | undefined {
    return this.subscriptions.at(-1)?.line;
  }

  /** The first recorded subscription to these labels (canonical JSON) that no earlier one took. */
  matchSubscription(key: string): ExpectedStream | undefined {
    return this.subscriptions.find((entry) => !entry.consumed && entry.key === key);
  }

  /** The first recorded `method` call with these arguments (canonical JSON) that no earlier call took. */
  matchCall(method: string, key: string): CallMatch {
    const entries = this.calls.get(method) ?? [];
    let open = this.firstOpen.get(method) ?? 0;
    while (open < entries.length && entries[open]!.consumed) open += 1;
    this.firstOpen.set(method, open);
    let match: ExpectedCall | undefined;
    for (let index = open; index < entries.length && !match; index += 1) {
      const entry = entries[index]!;
      if (!entry.consumed && entry.key === key) match = entry;
    }
    return { match, next: entries[open], last: entries.at(-1) };
  }

  /** The earliest call or subscription not made yet, if it was made live more than `toleranceMs` before `now`. */
  firstOverdue(now: number, toleranceMs: number): ExpectedCall | ExpectedStream | undefined {
    while (this.overdueFrom < this.byMadeAt.length && this.byMadeAt[this.overdueFrom]!.consumed) this.overdueFrom += 1;
    const first = this.byMadeAt[this.overdueFrom];
    return first && first.madeAt + toleranceMs < now ? first : undefined;
  }

  /** The earliest call or subscription the replay never made. */
  firstMissing(): ExpectedCall | ExpectedStream | undefined {
    return this.byMadeAt.find((entry) => !entry.consumed);
  }

  /** Calls are numbered as they were made; a gap means a line was taken out of the file. */
  missingCallsHint(): string {
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
}

export function describeExpected(entry: ExpectedCall | ExpectedStream): string {
  return entry.kind === 'call'
    ? `the recorded call ${describeCall(entry.record.method, entry.record.args)}`
    : `the recorded subscription to engine events (stream #${entry.record.stream})`;
}
