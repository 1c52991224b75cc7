import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import * as z from 'zod';
import { issuesToErrors } from '../manifest/errors.js';
import { APP_ID_PATTERN } from '../manifest/field-formats.js';
import { writeFileAtomic } from './atomic-write.js';

/** What the owner asked for, per installed app. Apps not listed are not installed. */
export type DesiredApp = {
  desired: 'running' | 'stopped';
  installedAt: string /* ISO */;
  /**
   * The catalog file (its name in the catalog) the app was installed from: the only file that
   * speaks for the app. Absent in files written before podwarden recorded it.
   */
  manifestFile?: string;
};
export type DesiredState = { version: 1; apps: Record<string, DesiredApp> };

export interface DesiredStore {
  /** Missing file → empty state. Unreadable, corrupt or invalid file → DesiredStateError. */
  load(): Promise<DesiredState>;
  /** Atomic; saves run one after another in call order, so the last call's state is what stays. */
  save(state: DesiredState): Promise<void>;
  readonly file: string;
}

/**
 * The desired-state file is the only record of which apps the owner installed. When it cannot be
 * read, podwarden must stop and say so rather than start empty and forget them.
 */
export class DesiredStateError extends Error {
  constructor(
    readonly file: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${message}`, options);
    this.name = 'DesiredStateError';
  }
}

const desiredAppSchema = z.strictObject({
  desired: z.enum(['running', 'stopped']),
  installedAt: z.iso.datetime({ offset: true }),
  // A plain file name: the catalog is one folder.
  manifestFile: z.string().max(255).regex(/^[^/\\\0.][^/\\\0]*$/).optional(),
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
  let queue: Promise<unknown> = Promise.resolve();
  // Set when the file on disk could not be loaded: from then on saves refuse to replace it, so
  // a daemon that ignored the load error still cannot wipe the owner's list of apps.
  let unreadable: DesiredStateError | undefined;

  async function load(): Promise<DesiredState> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        unreadable = undefined;
        return emptyDesiredState();
      }
      throw remember(new DesiredStateError(file, `cannot read: ${(err as Error).message}`, { cause: err }));
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw remember(new DesiredStateError(file, `is not valid JSON (${(err as Error).message})`, { cause: err }));
    }
    const result = desiredStateSchema.safeParse(json, { reportInput: true });
    if (!result.success) {
      throw remember(new DesiredStateError(file, `is not a valid desired-state file: ${describeIssues(result.error)}`));
    }
    unreadable = undefined;
    return result.data;
  }

  function remember(error: DesiredStateError): DesiredStateError {
    unreadable = error;
    return error;
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
      await mkdir(stateDir, { recursive: true, mode: 0o700 });
      await writeFileAtomic(file, text, { mode: 0o600 });
    });
    queue = run.catch(() => undefined);
    return run;
  }

  return { load, save, file };
}

function describeIssues(error: z.ZodError): string {
  return issuesToErrors('', error.issues)
    .map((issue) => (issue.path === '' ? issue.message : `${issue.path}: ${issue.message}`))
    .join('; ');
}
