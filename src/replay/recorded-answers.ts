import { EngineError, type EngineErrorCode } from '../domain/engine-error.js';
import type { CallRecord, RecordedError } from './records.js';

const VOID_METHODS = new Set(['pull', 'build', 'start', 'stop', 'remove']);

/** Whoever waits for a call's answer. */
export interface AnswerWaiter {
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** Settles `waiting` as the recorded call was answered live: its result, or its error rebuilt. */
export function settleFromRecord(
  record: CallRecord,
  waiting: AnswerWaiter,
  fromRecorded: (value: unknown) => unknown,
): void {
  if (record.error) {
    waiting.reject(rebuildError(record.error, fromRecorded));
    return;
  }
  if (record.result === null || record.result === undefined) {
    waiting.resolve(VOID_METHODS.has(record.method) ? undefined : null);
    return;
  }
  waiting.resolve(fromRecorded(record.result));
}

/** The recorded error as podwarden saw it: an EngineError keeps its code. */
export function rebuildError(error: RecordedError, text: (value: unknown) => unknown): Error {
  const message = text(error.message) as string;
  if (error.name === 'EngineError' && error.code !== undefined) {
    return new EngineError(error.code as EngineErrorCode, message);
  }
  return Object.assign(new Error(message), {
    name: error.name,
    ...(error.code === undefined ? {} : { code: error.code }),
  });
}
