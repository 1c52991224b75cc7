import { Worker } from 'node:worker_threads';
import { ManifestError } from './errors.js';
import type { ParseResult } from './parse-manifest.js';
import { fromWire, type ParseRequest, type WireResult } from './parse-wire.js';

/**
 * Parses manifest files off the daemon's event loop. YAML and schema work on a 256 KiB file
 * takes up to a few hundred milliseconds, during which a daemon on the same thread would hear
 * no engine event, answer no /healthz and restart no app; on a thread of its own it costs the
 * daemon nothing. The thread also bounds what one file may cost: a parse that runs past
 * `timeoutMs` or past the thread's heap limit ends the thread, and the file is refused.
 */
export interface ManifestParser {
  parse(bytes: Uint8Array, file: string, maxBytes: number): Promise<ParseResult>;
  /** Ends the thread; a later parse starts a new one. */
  close(): Promise<void>;
}

export interface ManifestParserOptions {
  /** How long one file may take once the thread is up; default 5 s. */
  timeoutMs?: number;
  /** Told when the thread cannot start, so parsing falls back to the calling thread (default: a process warning). */
  onFallback?: (reason: string) => void;
  /** The thread's module; tests point it elsewhere. */
  workerFile?: URL;
  /** How long the thread outlives its last file; default 10 s. A thread costs ~10 MB at rest, a new one ~30 ms. */
  idleMs?: number;
}

interface Job {
  id: number;
  file: string;
  bytes: Uint8Array;
  maxBytes: number;
  resolve: (result: ParseResult) => void;
  timer?: ReturnType<typeof setTimeout>;
}

const DEFAULT_TIMEOUT_MS = 5_000;
const DEFAULT_IDLE_MS = 10_000;
// The time limit is wall-clock time (a worker's real CPU), whatever fake timers a test installs later.
const wallClock = { setTimeout: globalThis.setTimeout, clearTimeout: globalThis.clearTimeout };
// Far above what the largest allowed manifest needs; a file that needs more is refused.
const RESOURCE_LIMITS = { maxOldGenerationSizeMb: 256, stackSizeMb: 4 };

/**
 * The schema and YAML reader, loaded on this thread only when a file is parsed here: the
 * daemon's main thread keeps whatever it loads for as long as it runs (~2 MiB for these), and
 * normally parses on the parser thread.
 */
let parserHere: Promise<typeof import('./parse-manifest.js')> | undefined;
function parseHere(bytes: Uint8Array, file: string, maxBytes: number): Promise<ParseResult> {
  parserHere ??= import('./parse-manifest.js');
  return parserHere.then(({ parseManifestBytes }) => parseManifestBytes(bytes, file, maxBytes));
}

/** Parses on the calling thread: for tools (replay, validate) where nothing else waits on the event loop. */
export const inlineManifestParser: ManifestParser = {
  parse: parseHere,
  close: async () => undefined,
};

/** One parser thread per process is enough (manifests come one file at a time), and it is started on first use. */
let shared: ManifestParser | undefined;
export function sharedManifestParser(): ManifestParser {
  shared ??= createManifestParser();
  return shared;
}

export function createManifestParser(options: ManifestParserOptions = {}): ManifestParser {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const idleMs = options.idleMs ?? DEFAULT_IDLE_MS;
  let idleTimer: ReturnType<typeof setTimeout> | undefined;
  const queue: Job[] = [];
  let worker: Worker | undefined;
  let ready = false;
  let current: Job | undefined;
  let nextId = 1;
  // Set when the thread cannot be started at all: parse on the calling thread rather than refuse every manifest.
  let fallback: string | undefined;

  function finish(job: Job, result: ParseResult): void {
    wallClock.clearTimeout(job.timer);
    if (current === job) current = undefined;
    job.resolve(result);
    pump();
    // An idle thread never keeps the process alive (a waiting parse does: pump refs it), and
    // goes after a while: a catalog is read at start and on reloads, not in between.
    if (current === undefined && worker) {
      const thread = worker;
      thread.unref();
      idleTimer = wallClock.setTimeout(() => {
        idleTimer = undefined;
        if (worker === thread && current === undefined) end(thread);
      }, idleMs);
      idleTimer.unref();
    }
  }

  function refuse(job: Job, message: string): void {
    finish(job, { errors: [new ManifestError({ file: job.file, path: '', message })] });
  }

  function end(thread: Worker): void {
    if (worker === thread) {
      worker = undefined;
      ready = false;
    }
    void thread.terminate();
  }

  function spawn(): Worker {
    const thread = startThread(options.workerFile);
    thread.on('message', (message: { ready: true } | { id: number; result: WireResult }) => {
      if ('ready' in message) {
        ready = true;
        send();
      } else if (current?.id === message.id) {
        finish(current, fromWire(message.result));
      }
    });
    thread.on('error', (error) => {
      const job = current;
      end(thread);
      if (!ready) {
        fallback = error.message;
        (options.onFallback ?? warnOfFallback)(error.message);
        current = undefined;
        if (job) void parseHere(job.bytes, job.file, job.maxBytes).then((result) => finish(job, result));
        return;
      }
      // Past its heap limit, or a bug: the file that did it is refused, the next gets a new thread.
      if (job) refuse(job, `reading it stopped podwarden's manifest reader (${error.message}); it is refused`);
    });
    thread.on('exit', () => {
      if (worker !== thread) return;
      worker = undefined;
      ready = false;
      if (current) refuse(current, "podwarden's manifest reader stopped while reading this file");
    });
    return thread;
  }

  function send(): void {
    const job = current;
    if (!job || !worker || !ready || job.timer) return;
    const thread = worker;
    job.timer = wallClock.setTimeout(() => {
      end(thread);
      refuse(
        job,
        `reading it took longer than ${timeoutMs / 1000} s; it is refused (a manifest reads in milliseconds)`,
      );
    }, timeoutMs);
    const request: ParseRequest = { id: job.id, file: job.file, bytes: job.bytes, maxBytes: job.maxBytes };
    thread.postMessage(request);
  }

  function pump(): void {
    if (current || queue.length === 0) return;
    current = queue.shift()!;
    wallClock.clearTimeout(idleTimer);
    idleTimer = undefined;
    if (fallback !== undefined) {
      const job = current;
      void parseHere(job.bytes, job.file, job.maxBytes).then((result) => finish(job, result));
      return;
    }
    worker ??= spawn();
    worker.ref();
    send();
  }

  return {
    parse(bytes, file, maxBytes) {
      return new Promise<ParseResult>((resolve) => {
        queue.push({ id: nextId++, file, bytes, maxBytes, resolve });
        pump();
      });
    },
    async close() {
      wallClock.clearTimeout(idleTimer);
      const thread = worker;
      worker = undefined;
      ready = false;
      for (const job of [current, ...queue.splice(0)]) if (job) refuse(job, 'podwarden stopped reading manifests');
      if (thread) await thread.terminate();
    },
  };
}

function warnOfFallback(reason: string): void {
  process.emitWarning(
    `podwarden's manifest parser thread cannot start (${reason}); manifests are parsed on the main thread`,
  );
}

/**
 * From the sources (tsx, vitest) the thread registers tsx before loading the TypeScript file;
 * the built package runs the compiled file as it is.
 */
function startThread(workerFile?: URL): Worker {
  const self = import.meta.url;
  if (!self.endsWith('.ts'))
    return new Worker(workerFile ?? new URL('./parse-worker.js', self), { resourceLimits: RESOURCE_LIMITS });
  const entry = JSON.stringify((workerFile ?? new URL('./parse-worker.ts', self)).href);
  const boot = `import('tsx/esm/api').then(({ register }) => { register(); return import(${entry}); });`;
  return new Worker(boot, { eval: true, resourceLimits: RESOURCE_LIMITS });
}
