import type { PolicyReading } from '../policy/read-policy-text.js';
import type { DesiredStateCheck } from '../state/desired-state-schema.js';
import { ManifestError } from './errors.js';
import type { ParseResult } from './parse-manifest.js';

// What crosses between the daemon and the reader thread: plain data only (a ManifestError
// would arrive as a bare object without its methods). Each job names its kind: what is read.

/** One thing podwarden read from disk, to be checked on the reader thread. */
export type ReadJob =
  | { kind: 'manifest'; file: string; bytes: Uint8Array; maxBytes: number }
  | { kind: 'policy'; file: string; bytes: Uint8Array; maxBytes: number }
  /** desired.json, parsed as JSON (or a state about to be saved, as the JSON it will be). */
  | { kind: 'desired-state'; value: unknown };

export type ReadKind = ReadJob['kind'];

/** Each kind's answer. */
export interface ReadAnswers {
  manifest: WireResult;
  policy: PolicyReading;
  'desired-state': DesiredStateCheck;
}

export type ReadRequest = ReadJob & { id: number };

export type WireResult =
  | { manifest: Extract<ParseResult, { manifest: unknown }>['manifest'] }
  | { errors: ReturnType<ManifestError['toJSON']>[]; claimedId?: string };

/** The answer for a job the reader could not finish (time limit, crash, closed): why, in the kind's own terms. */
export function refusal<K extends ReadKind>(job: ReadJob & { kind: K }, message: string): ReadAnswers[K];
export function refusal(job: ReadJob, message: string): ReadAnswers[ReadKind] {
  if (job.kind === 'manifest') return { errors: [{ file: job.file, path: '', message }] };
  return { problem: message };
}

/** What a kind is, for the reader's own messages ("a manifest reads in milliseconds"). */
export function kindNoun(kind: ReadKind): string {
  return kind === 'manifest' ? 'a manifest' : kind === 'policy' ? 'a policy file' : 'a desired state';
}

export function toWire(result: ParseResult): WireResult {
  if ('manifest' in result) return result;
  return {
    errors: result.errors.map((error) => error.toJSON()),
    ...(result.claimedId !== undefined ? { claimedId: result.claimedId } : {}),
  };
}

export function fromWire(result: WireResult): ParseResult {
  if ('manifest' in result) return result;
  return {
    errors: result.errors.map((error) => new ManifestError(error)),
    ...(result.claimedId !== undefined ? { claimedId: result.claimedId } : {}),
  };
}
