import { Worker } from 'node:worker_threads';
import { kindNoun, refusal, type ReadAnswers, type ReadJob, type ReadKind } from './parse-wire.js';

/**
 * Checks what podwarden reads from disk (manifests, the policy file, desired.json) off the
 * daemon's event loop. YAML and schema work on a 256 KiB file takes up to a few hundred
 * milliseconds, during which a daemon on the same thread would hear no engine event, answer no
 * /healthz and restart no app; on a thread of its own it costs the daemon nothing. The thread
 * also keeps the schema library and the YAML reader (~3 MiB) off the main thread, and goes
 * when idle. It bounds what one file may cost: a job that runs past `timeoutMs` or past the
 * thread's heap limit ends the thread, and the file is refused.
 */
export interface Reader {
  read<K extends ReadKind>(job: ReadJob & { kind: K }): Promise<ReadAnswers[K]>;
  /** Ends the thread; a later read starts a new one. */
  close(): Promise<void>;
}

export interface ReaderOptions {
  /** How long one file may take once the thread is up; default 5 s. */
  timeoutMs?: number;
  /** Told when the thread cannot start, so reading falls back to the calling thread (default: a process warning). */
  onFallback?: (reason: string) => void;
  /** The thread's module; tests point it elsewhere. */
  workerFile?: URL;
  /** How long the thread outlives its last file; default 10 s. A thread costs ~10 MB at rest, a new one ~30 ms. */
  idleMs?: number;
}

interface Pending {
  id: number;
  job: ReadJob;
  resolve: (answer: ReadAnswers[ReadKind]) => void;
  timer?: ReturnType<typeof setTimeout>;
}

const DEFAULT_TIMEOUT_MS = 5_000;
const DEFAULT_IDLE_MS = 10_000;
// The time limit is wall-clock time (a worker's real CPU), whatever fake timers a test installs later.
const wallClock = { setTimeout: globalThis.setTimeout, clearTimeout: globalThis.clearTimeout };
// Far above what the largest allowed manifest needs; a file that needs more is refused.
const RESOURCE_LIMITS = { maxOldGenerationSizeMb: 256, stackSizeMb: 4 };

/**
 * The schema and YAML reader, loaded on this thread only when a job runs here: the daemon's
 * main thread keeps whatever it loads for as long as it runs, and normally reads on the thread.
 */
let readerHere: Promise<typeof import('./read-job.js')> | undefined;
function readHere(job: ReadJob): Promise<ReadAnswers[ReadKind]> {
  readerHere ??= import('./read-job.js').then(async (reader) => {
    await reader.loadAllReaders();
    return reader;
  });
  return readerHere.then(({ runReadJob }) => runReadJob(job));
}

/** Reads on the calling thread: for tools (replay, validate) where nothing else waits on the event loop. */
export const inlineReader: Reader = {
  read: readHere as Reader['read'],
  close: async () => undefined,
};

/** One reader thread per process is enough (files come one at a time), and it is started on first use. */
let shared: Reader | undefined;
export function sharedReader(): Reader {
  shared ??= createReader();
  return shared;
}

export function createReader(options: ReaderOptions = {}): Reader {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const idleMs = options.idleMs ?? DEFAULT_IDLE_MS;
  let idleTimer: ReturnType<typeof setTimeout> | undefined;
  const queue: Pending[] = [];
  let worker: Worker | undefined;
  let ready = false;
  let current: Pending | undefined;
  let nextId = 1;
  // Set when the thread cannot be started at all: read on the calling thread rather than refuse every file.
  let fallback: string | undefined;

  function finish(pending: Pending, answer: ReadAnswers[ReadKind]): void {
    wallClock.clearTimeout(pending.timer);
    if (current === pending) current = undefined;
    pending.resolve(answer);
    pump();
    // An idle thread never keeps the process alive (a waiting job does: pump refs it), and
    // goes after a while: files are read at start and on reloads, not in between.
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

  function refuse(pending: Pending, message: string): void {
    finish(pending, refusal(pending.job, message));
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
    thread.on('message', (message: { ready: true } | { id: number; result: ReadAnswers[ReadKind] }) => {
      if ('ready' in message) {
        ready = true;
        send();
      } else if (current?.id === message.id) {
        finish(current, message.result);
      }
    });
    thread.on('error', (error) => {
      const pending = current;
      end(thread);
      if (!ready) {
        fallback = error.message;
        (options.onFallback ?? warnOfFallback)(error.message);
        current = undefined;
        if (pending) void readHere(pending.job).then((answer) => finish(pending, answer));
        return;
      }
      // Past its heap limit, or a bug: the file that did it is refused, the next gets a new thread.
      if (pending)
        refuse(pending, `reading it stopped podwarden's ${readerName(pending)} (${error.message}); it is refused`);
    });
    thread.on('exit', () => {
      if (worker !== thread) return;
      worker = undefined;
      ready = false;
      if (current) refuse(current, `podwarden's ${readerName(current)} stopped while reading this file`);
    });
    return thread;
  }

  function send(): void {
    const pending = current;
    if (!pending || !worker || !ready || pending.timer) return;
    const thread = worker;
    pending.timer = wallClock.setTimeout(() => {
      end(thread);
      refuse(
        pending,
        `reading it took longer than ${timeoutMs / 1000} s; it is refused (${kindNoun(pending.job.kind)} reads in milliseconds)`,
      );
    }, timeoutMs);
    thread.postMessage({ ...pending.job, id: pending.id });
  }

  function pump(): void {
    if (current || queue.length === 0) return;
    current = queue.shift()!;
    wallClock.clearTimeout(idleTimer);
    idleTimer = undefined;
    if (fallback !== undefined) {
      const pending = current;
      void readHere(pending.job).then((answer) => finish(pending, answer));
      return;
    }
    worker ??= spawn();
    worker.ref();
    send();
  }

  return {
    read<K extends ReadKind>(job: ReadJob & { kind: K }): Promise<ReadAnswers[K]> {
      return new Promise<ReadAnswers[K]>((resolve) => {
        queue.push({ id: nextId++, job, resolve: resolve as Pending['resolve'] });
        pump();
      });
    },
    async close() {
      wallClock.clearTimeout(idleTimer);
      const thread = worker;
      worker = undefined;
      ready = false;
      for (const pending of [current, ...queue.splice(0)])
        if (pending)
          refuse(pending, `podwarden stopped reading ${pending.job.kind === 'manifest' ? 'manifests' : 'files'}`);
      if (thread) await thread.terminate();
    },
  };
}

/** "manifest reader", as the messages always said for manifests. */
function readerName(pending: Pending): string {
  return pending.job.kind === 'manifest' ? 'manifest reader' : 'file reader';
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
