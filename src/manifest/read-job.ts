import { readPolicyText } from '../policy/read-policy-text.js';
import { checkDesiredState } from '../state/desired-state-schema.js';
import { parseManifestBytes } from './parse-manifest.js';
import { toWire, type ReadAnswers, type ReadJob, type ReadKind } from './parse-wire.js';

/**
 * Does one read job: YAML and schema work. Loaded on the reader thread (parse-worker.ts), or
 * on the calling thread when no thread can start; never by the daemon's main thread otherwise.
 */
export function runReadJob<K extends ReadKind>(job: ReadJob & { kind: K }): ReadAnswers[K];
export function runReadJob(job: ReadJob): ReadAnswers[ReadKind] {
  switch (job.kind) {
    case 'manifest':
      return toWire(parseManifestBytes(job.bytes, job.file, job.maxBytes));
    case 'policy':
      return readPolicyText(job.bytes, job.file, job.maxBytes);
    case 'desired-state':
      return checkDesiredState(job.value);
  }
}
