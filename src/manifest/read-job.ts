import { toWire, type ReadAnswers, type ReadJob, type ReadKind } from './parse-wire.js';

/**
 * Does one read job. Loaded on the reader thread (parse-worker.ts), or on the calling thread
 * when no thread can start; never by the daemon's main thread otherwise. Each kind loads only
 * its own reader: a desired.json check (an owner's command, after the thread went idle) needs
 * zod and one small schema, not the YAML reader and the manifest schema (~0.2 s more to load).
 */
export async function runReadJob<K extends ReadKind>(job: ReadJob & { kind: K }): Promise<ReadAnswers[K]>;
export async function runReadJob(job: ReadJob): Promise<ReadAnswers[ReadKind]> {
  switch (job.kind) {
    case 'manifest': {
      const { parseManifestBytes } = await import('./parse-manifest.js');
      return toWire(parseManifestBytes(job.bytes, job.file, job.maxBytes));
    }
    case 'policy': {
      const { readPolicyText } = await import('../policy/read-policy-text.js');
      return readPolicyText(job.bytes, job.file, job.maxBytes);
    }
    case 'desired-state': {
      const { checkDesiredState } = await import('../state/desired-state-schema.js');
      return checkDesiredState(job.value);
    }
  }
}
