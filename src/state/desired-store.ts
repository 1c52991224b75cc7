import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { sharedReader, type Reader } from '../manifest/reader-thread.js';
import { AtomicWriteError, writeFileAtomic } from './atomic-write.js';
import { DesiredStateError } from './desired-state-error.js';
import { keepPreviousCopy, PREVIOUS_FILE, unreadableRemedy } from './previous-copy.js';

export { DesiredStateError } from './desired-state-error.js';

/** What the owner asked for, per installed app. Apps not listed are not installed. */
export type DesiredApp = {
  desired: 'running' | 'stopped';
  installedAt: string /* ISO */;
  /**
   * The catalog file (its name in the catalog) the app was installed from: the only file that
   * speaks for the app. Absent in files written before podwarden recorded it.
   */
  manifestFile?: string;
  /**
   * Companions (by id, `ui` for `bitcoind/ui`) the owner stopped: they stay stopped while the
   * app runs, until started again. Absent when none is.
   */
  stoppedCompanions?: string[];
};
export type DesiredState = { version: 1; apps: Record<string, DesiredApp> };

export interface DesiredStore {
  /** Missing file → empty state. Unreadable, corrupt or invalid file → DesiredStateError. */
  load(): Promise<DesiredState>;
  /** As `load`, but undefined when there is no file (a first start, or a lost one: see adoption). */
  loadOrMissing(): Promise<DesiredState | undefined>;
  /**
   * Atomic; saves run one after another in call order, so the last call's state is what stays.
   * The file it replaces is kept as `desired.previous.json`, one copy to restore from.
   */
  save(state: DesiredState): Promise<void>;
  readonly file: string;
  /** The previous copy: the file as it was before the last save. */
  readonly previousFile: string;
}

export function emptyDesiredState(): DesiredState {
  return { version: 1, apps: {} };
}

/**
 * `reader` checks the file's content against its schema (desired-state-schema.ts): the shared
 * reader thread by default, so the daemon's main thread never loads the schema library.
 */
export function createDesiredStore(
  stateDir: string,
  { reader = sharedReader() }: { reader?: Reader } = {},
): DesiredStore {
  const file = path.join(stateDir, 'desired.json');
  const previousFile = path.join(stateDir, PREVIOUS_FILE);
  let queue: Promise<unknown> = Promise.resolve();
  // Set when the file on disk could not be loaded: from then on saves refuse to replace it, so
  // a daemon that ignored the load error still cannot wipe the owner's list of apps.
  let unreadable: DesiredStateError | undefined;

  async function loadOrMissing(): Promise<DesiredState | undefined> {
    const result = await parseFile(file, reader);
    if (result.state !== undefined || result.problem === undefined) {
      unreadable = undefined;
      return result.state;
    }
    // Checked at once, so the error can say whether the kept copy is a way out.
    const previous = await parseFile(previousFile, reader);
    const way = unreadableRemedy({ file, previousFile, previous: previous.state, previousProblem: previous.problem });
    unreadable = new DesiredStateError(file, result.problem, {
      cause: result.cause,
      remedy: way,
      ...(previous.state ? { previous: previousFile } : {}),
    });
    throw unreadable;
  }

  async function load(): Promise<DesiredState> {
    return (await loadOrMissing()) ?? emptyDesiredState();
  }

  function save(state: DesiredState): Promise<void> {
    // Serialised now, so the caller may go on changing its object; checked (on the reader
    // thread) before anything is written, in call order with the other saves.
    const snapshot: unknown = JSON.parse(JSON.stringify(state));
    const run = queue.then(async () => {
      const checked = await reader.read({ kind: 'desired-state', value: snapshot });
      if ('problem' in checked) {
        throw new DesiredStateError(file, `refusing to save an invalid state: ${checked.problem}`);
      }
      if (unreadable !== undefined) {
        throw new DesiredStateError(file, `refusing to overwrite it: it could not be loaded (${unreadable.message})`);
      }
      try {
        await mkdir(stateDir, { recursive: true, mode: 0o700 });
      } catch (error) {
        throw new AtomicWriteError(file, error);
      }
      // The old file becomes the previous copy only once the new one is safely written: a save
      // that fails (a full disk) leaves both as they were.
      const text = `${JSON.stringify(checked.state, null, 2)}\n`;
      await writeFileAtomic(file, text, { mode: 0o600, beforeReplace: () => keepPreviousCopy(file, previousFile) });
    });
    queue = run.catch(() => undefined);
    return run;
  }

  return { load, loadOrMissing, save, file, previousFile };
}

/** A desired-state file read and checked: its state, nothing (missing), or what is wrong with it. */
async function parseFile(
  target: string,
  reader: Reader,
): Promise<{ state?: DesiredState; problem?: string; cause?: unknown }> {
  let text: string;
  try {
    text = await readFile(target, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    return { problem: `cannot read: ${(err as Error).message}`, cause: err };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { problem: `is not valid JSON (${(err as Error).message})`, cause: err };
  }
  const checked = await reader.read({ kind: 'desired-state', value: json });
  if ('problem' in checked) return { problem: `is not a valid desired-state file: ${checked.problem}` };
  return { state: checked.state };
}
