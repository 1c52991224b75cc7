import { closeSync, openSync, writeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { systemClock } from '../domain/clock.js';
import type { ContainerSpec } from '../domain/container-spec.js';
import type { Logger } from '../log.js';
import type { OrchestratorOptions } from '../orchestrator.js';
import type { Transition } from '../streams/transitions.js';
import { secretRedactor, snapshotCatalog } from './catalog-snapshot.js';
import {
  aliasPaths,
  catalogSpecs,
  ORCHESTRATOR_NAMING_DEFAULTS,
  pathAliases,
  portableSpecHash,
  SpecHashTable,
  transformValue,
  type SpecContext,
} from './portable.js';
import {
  RECORDING_VERSION,
  type CatalogSnapshot,
  type HeaderRecord,
  type RecordBody,
  type RecordedError,
  type RecordedOptions,
} from './records.js';

export interface RecorderSetup {
  /** The NDJSON file to write; replaced if it exists. */
  file: string;
  /** The options the orchestrator runs with (its engine aside): the header keeps what changes behaviour. */
  options: OrchestratorOptions;
  /** Wall clock, ms since epoch. Sessions on a virtual clock pass `() => clock.now()`; by default a monotonic clock. */
  clock?: () => number;
  /** Told once when writing fails; the recording stops there and podwarden goes on without it. */
  logger?: Logger;
}

/**
 * The sink a recording session writes to: one JSON line per record, each written (synchronously,
 * in call order) before podwarden acts on what it records, so the file's order is the order in
 * which inputs reached podwarden.
 */
export interface Recorder {
  readonly file: string;
  /** ms since epoch when the recording started. */
  readonly startedAt: number;
  /** ms since the recording started. */
  now(): number;
  write(body: RecordBody): void;
  /** `value` as a recording keeps it: JSON-safe, env values redacted, paths aliased, spec hashes portable. */
  portable(value: unknown): unknown;
  /** Text (an error message) with the session's directories aliased. */
  portableText(text: string): string;
  /** Remembers a spec podwarden hands the engine, so its spec-hash label is recorded as the portable hash. */
  learnSpec(spec: ContainerSpec): void;
  observed(transition: Transition): void;
  /** The catalog as it is now, redacted; its specs are learnt. For reloadCatalog. */
  snapshotCatalog(): Promise<CatalogSnapshot>;
  /** Runs right before the end record, e.g. to write calls still in flight. */
  onClose(hook: () => void): void;
  /** Writes the end record and closes the file. Later writes are dropped. */
  close(): Promise<void>;
  /** Stops recording without an end record (a replay then ends at the last record), telling the logger why. */
  abandon(reason: unknown): void;
}

export function recordedError(error: unknown, text: (message: string) => string): RecordedError {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { name: error.name, ...(typeof code === 'string' ? { code } : {}), message: text(error.message) };
  }
  return { name: 'Error', message: text(String(error)) };
}

function recordedOptions(options: OrchestratorOptions): RecordedOptions {
  const picked: RecordedOptions = {
    intervalMs: options.intervalMs,
    backoff: options.backoff,
    instance: options.instance,
    namePrefix: options.namePrefix,
    gate: options.gate,
    insecureRegistries: options.insecureRegistries,
    // What the orchestrator does without the option: ask the engine (a ping the recording keeps).
    imageHealthchecks: options.imageHealthchecks ?? 'auto',
  };
  return JSON.parse(JSON.stringify(picked)) as RecordedOptions;
}

async function readDesired(stateDir: string): Promise<string | null> {
  try {
    return await readFile(join(stateDir, 'desired.json'), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

function monotonicClock(): { startedAt: number; offset: () => number } {
  const origin = performance.now();
  return { startedAt: systemClock.now(), offset: () => performance.now() - origin };
}

export async function createRecorder(setup: RecorderSetup): Promise<Recorder> {
  const { options } = setup;
  const dataDir = resolve(options.dataDir ?? join(options.stateDir, 'apps'));
  const aliases = pathAliases({ catalogDir: options.catalogDir, dataDir });
  const alias = aliasPaths(aliases);
  const redact = secretRedactor();
  const hashes = new SpecHashTable((spec) => portableSpecHash(spec, { aliases, redact }), 'token');
  const specContext: SpecContext = {
    instance: options.instance ?? ORCHESTRATOR_NAMING_DEFAULTS.instance,
    namePrefix: options.namePrefix ?? ORCHESTRATOR_NAMING_DEFAULTS.namePrefix,
    dataDir,
  };

  async function takeSnapshot(): Promise<CatalogSnapshot> {
    const snapshot = await snapshotCatalog(options.catalogDir, redact);
    for (const spec of await catalogSpecs(options.catalogDir, specContext)) hashes.learn(spec);
    return snapshot;
  }

  const catalog = await takeSnapshot();
  const desired = await readDesired(options.stateDir);

  const clock = setup.clock
    ? (() => {
        const read = setup.clock!;
        const startedAt = read();
        return { startedAt, offset: () => read() - startedAt };
      })()
    : monotonicClock();
  let last = 0;
  const now = () => {
    last = Math.max(last, Math.floor(clock.offset()));
    return last;
  };

  const fd = openSync(setup.file, 'w', 0o600);
  let open = true;
  const closeHooks: Array<() => void> = [];

  function stopRecording(reason: unknown, what: string): void {
    if (!open) return;
    open = false;
    try {
      closeSync(fd);
    } catch {
      // Already failing; the file keeps what was written.
    }
    setup.logger?.error({ file: setup.file, err: reason instanceof Error ? reason.message : String(reason) }, what);
  }

  function writeLine(record: object): void {
    if (!open) return;
    try {
      const bytes = Buffer.from(`${JSON.stringify(record)}\n`);
      for (let done = 0; done < bytes.length;) done += writeSync(fd, bytes, done);
    } catch (error) {
      stopRecording(error, 'cannot write the recording; recording stopped, podwarden goes on');
    }
  }

  const header: HeaderRecord = {
    kind: 'header',
    version: RECORDING_VERSION,
    startedAt: clock.startedAt,
    options: recordedOptions(options),
    catalog,
    desired,
  };
  writeLine(header);

  const recorder: Recorder = {
    file: setup.file,
    startedAt: clock.startedAt,
    now,
    write(body) {
      writeLine({ t: now(), ...body });
    },
    portable(value) {
      return transformValue(value, { string: alias, envValue: redact, specHash: (hash) => hashes.toPortable(hash) });
    },
    portableText: alias,
    learnSpec(spec) {
      hashes.learn(spec);
    },
    observed(transition) {
      recorder.write({
        kind: 'observed-transition',
        appId: transition.appId,
        from: transition.from,
        to: transition.to,
        reason: alias(transition.reason),
        failures: transition.failures,
      });
    },
    snapshotCatalog: takeSnapshot,
    onClose(hook) {
      closeHooks.push(hook);
    },
    async close() {
      if (!open) return;
      for (const hook of closeHooks.splice(0)) hook();
      recorder.write({ kind: 'end' });
      if (!open) return;
      open = false;
      closeSync(fd);
    },
    abandon(reason) {
      stopRecording(reason, 'recording stopped, podwarden goes on');
    },
  };
  return recorder;
}
