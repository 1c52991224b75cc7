import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import * as z from 'zod';
import { issuesToErrors } from '../manifest/errors.js';
import { APP_ID_PATTERN } from '../manifest/field-formats.js';
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

const desiredAppSchema = z.strictObject({
  desired: z.enum(['running', 'stopped']),
  installedAt: z.iso.datetime({ offset: true }),
  // A plain file name: the catalog is one folder.
  manifestFile: z
    .string()
    .max(255)
    .regex(/^[^/\\\0.][^/\\\0]*$/)
    .optional(),
  stoppedCompanions: z.array(z.string().regex(APP_ID_PATTERN)).max(64).optional(),
});

const desiredStateSchema = z.strictObject({
  version: z.literal(1),
  apps: z.record(z.string().regex(APP_ID_PATTERN), desiredAppSchema),
});

export function emptyDesiredState(): DesiredState {
  return { version: 1, apps: {} };
}

export function createDesiredStore(stateDir: string): DesiredStore {
  const file = path.join(stateDir, 'desired.json');
  const previousFile = path.join(stateDir, PREVIOUS_FILE);
  let queue: Promise<unknown> = Promise.resolve();
  // Set when the file on disk could not be loaded: from then on saves refuse to replace it, so
  // a daemon that ignored the load error still cannot wipe the owner's list of apps.
  let unreadable: DesiredStateError | undefined;

  async function loadOrMissing(): Promise<DesiredState | undefined> {
    const result = await parseFile(file);
    if (result.state !== undefined || result.problem === undefined) {
      unreadable = undefined;
      return result.state;
    }
    // Checked at once, so the error can say whether the kept copy is a way out.
    const previous = await parseFile(previousFile);
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
    // Checked and serialised now, so the caller may go on changing its object.
    const checked = desiredStateSchema.safeParse(state);
    if (!checked.success) {
      return Promise.reject(
        new DesiredStateError(file, `refusing to save an invalid state: ${describeIssues(checked.error)}`),
      );
    }
    const text = `${JSON.stringify(checked.data, null, 2)}\n`;
    const run = queue.then(async () => {
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
      await writeFileAtomic(file, text, { mode: 0o600, beforeReplace: () => keepPreviousCopy(file, previousFile) });
    });
    queue = run.catch(() => undefined);
    return run;
  }

  return { load, loadOrMissing, save, file, previousFile };
}

/** A desired-state file read and checked: its state, nothing (missing), or what is wrong with it. */
async function parseFile(target: string): Promise<{ state?: DesiredState; problem?: string; cause?: unknown }> {
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
  const result = desiredStateSchema.safeParse(json, { reportInput: true });
  if (!result.success) return { problem: `is not a valid desired-state file: ${describeIssues(result.error)}` };
  return { state: result.data };
}

function describeIssues(error: z.ZodError): string {
  return issuesToErrors('', error.issues)
    .map((issue) => (issue.path === '' ? issue.message : `${issue.path}: ${issue.message}`))
    .join('; ');
}
