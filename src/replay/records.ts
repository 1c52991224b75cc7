import type { BackoffPolicy } from '../../machines/types.js';
import type { EngineEvent } from '../engine/port.js';

/**
 * The lines of a recording (NDJSON, one record per line). The first line is the header; every
 * other line carries `t`, ms since the recording started, and the lines are in the order the
 * inputs reached podwarden, so `t` never decreases. Everything that reaches podwarden from
 * outside is here: engine answers and events, the owner's commands, and (in the header) the
 * files podwarden reads at start. Ticks are not: they follow from `options.intervalMs` and the
 * moment the supervisor opens its gate, which the recorded answers decide.
 */
export const RECORDING_VERSION = 1;

/** What a recording replays with: the orchestrator options that change behaviour. */
export interface RecordedOptions {
  intervalMs?: number;
  backoff?: Partial<BackoffPolicy>;
  instance?: string;
  namePrefix?: string;
  gate?: { holdForEmbedder?: boolean; capMs?: number };
  insecureRegistries?: string[];
  imageHealthchecks?: 'auto' | 'podwarden' | 'engine';
}

/**
 * The catalog's manifest files by name, env values redacted. null: the file is not valid YAML,
 * so its env values could not be found and the file was left out.
 */
export type CatalogSnapshot = Record<string, string | null>;

export interface HeaderRecord {
  kind: 'header';
  version: typeof RECORDING_VERSION;
  /** Wall-clock ms since epoch when the recording started; the replay's virtual clock starts there. */
  startedAt: number;
  options: RecordedOptions;
  catalog: CatalogSnapshot;
  /** desired.json as it was when podwarden started; null when there was none. */
  desired: string | null;
}

export interface RecordedError {
  /** `EngineError` for adapter failures; anything else is rebuilt as a plain Error. */
  name: string;
  code?: string;
  message: string;
}

/**
 * One engine call, written when its answer arrived (`t`). `seq` numbers calls in the order they
 * were made; `calledAt` is when. `args` and `result` are portable: env values redacted, paths
 * under the catalog and data directories written as `$CATALOG/…` and `$DATA/…`, spec hashes
 * replaced by hashes of the redacted spec. A call still unanswered when the recording closed is
 * written then, with `unanswered: true`: its replay never answers.
 */
export interface CallRecord {
  t: number;
  kind: 'call';
  seq: number;
  method: string;
  args: unknown[];
  calledAt: number;
  result?: unknown;
  error?: RecordedError;
  unanswered?: true;
}

/** podwarden subscribed to the engine's event stream; `stream` numbers the subscriptions. */
export interface SubscribeRecord {
  t: number;
  kind: 'subscribe';
  stream: number;
  labels: Record<string, string>;
}

export interface EventRecord {
  t: number;
  kind: 'event';
  stream: number;
  event: EngineEvent;
}

export interface StreamErrorRecord {
  t: number;
  kind: 'stream-error';
  stream: number;
  error: RecordedError;
}

export interface StreamEndRecord {
  t: number;
  kind: 'stream-end';
  stream: number;
}

export const COMMAND_NAMES = [
  'start',
  'stop',
  'install',
  'uninstall',
  'startApp',
  'stopApp',
  'restartApp',
  'updateApp',
  'rollbackApp',
  'releaseGate',
  'reloadCatalog',
  'reconcileNow',
  // appId holds the adopted apps, comma-separated (absent: every container left alone).
  'adopt',
] as const;

export type CommandName = (typeof COMMAND_NAMES)[number];

/**
 * An Orchestrator method called by the owner (or the daemon on their behalf), written when it
 * reached the machines: at the call for those that tell the supervisor at once (stop,
 * releaseGate, reconcileNow), when it finished for those that first read or write files
 * (start, install, reloadCatalog, …). `calledAt` is when it was called. The replay calls it at
 * `t`; its file I/O then runs while virtual time stands still, so it lands where it did live.
 */
export interface CommandRecord {
  t: number;
  kind: 'command';
  seq: number;
  name: CommandName;
  appId?: string;
  calledAt: number;
  /** reloadCatalog: the catalog as the reload read it. */
  catalog?: CatalogSnapshot;
}

/** The command numbered `seq` failed; a replay must fail it the same way. */
export interface CommandErrorRecord {
  t: number;
  kind: 'command-error';
  seq: number;
  message: string;
}

/** A transition the recorded session published: not an input, the reference a replay is checked against. */
export interface ObservedTransitionRecord {
  t: number;
  kind: 'observed-transition';
  appId: string;
  from: string | null;
  to: string;
  reason: string;
  failures: number;
}

/** The recording was closed; a replay runs its clock up to here. */
export interface EndRecord {
  t: number;
  kind: 'end';
}

export type TimedRecord =
  | CallRecord
  | SubscribeRecord
  | EventRecord
  | StreamErrorRecord
  | StreamEndRecord
  | CommandRecord
  | CommandErrorRecord
  | ObservedTransitionRecord
  | EndRecord;

export type RecordBody = TimedRecord extends infer R ? (R extends TimedRecord ? Omit<R, 't'> : never) : never;

/** A record and the 1-based line of the file it came from, for error messages. */
export interface Numbered<R extends TimedRecord = TimedRecord> {
  line: number;
  record: R;
}

export interface Recording {
  file: string;
  header: HeaderRecord;
  records: Numbered[];
}
