import { toWire, type ReadAnswers, type ReadJob, type ReadKind } from './parse-wire.js';

/**
 * Does one read job. Loaded on the reader thread (parse-worker.ts), or on the calling thread
 * when no thread can start; never by the daemon's main thread otherwise. Each kind loads only
 * its own reader: a desired.json check (an owner's command, after the thread went idle) needs
 * zod and one small schema, not the YAML reader and the manifest schema (~0.2 s more to load).
 * A reader once loaded is kept, so later jobs ask the module loader nothing.
 */
let manifestReader: typeof import('./parse-manifest.js') | undefined;
let policyReader: typeof import('../policy/read-policy-text.js') | undefined;
let desiredStateReader: typeof import('../state/desired-state-schema.js') | undefined;

export async function runReadJob<K extends ReadKind>(job: ReadJob & { kind: K }): Promise<ReadAnswers[K]>;
export async function runReadJob(job: ReadJob): Promise<ReadAnswers[ReadKind]> {
  switch (job.kind) {
    case 'manifest': {
      manifestReader ??= await import('./parse-manifest.js');
      return toWire(manifestReader.parseManifestBytes(job.bytes, job.file, job.maxBytes));
    }
    case 'policy': {
      policyReader ??= await import('../policy/read-policy-text.js');
      return policyReader.readPolicyText(job.bytes, job.file, job.maxBytes);
    }
    case 'desired-state': {
      desiredStateReader ??= await import('../state/desired-state-schema.js');
      return desiredStateReader.checkDesiredState(job.value);
    }
  }
}

/**
 * Loads every kind's reader at once: for reading on the calling thread (tools, replay), where
 * a module load in the middle of a run would land at another moment of a virtual clock.
 */
export async function loadAllReaders(): Promise<void> {
  [manifestReader, policyReader, desiredStateReader] = await Promise.all([
    import('./parse-manifest.js'),
    import('../policy/read-policy-text.js'),
    import('../state/desired-state-schema.js'),
  ]);
}
