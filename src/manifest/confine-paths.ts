import { constants } from 'node:fs';
import { open, readlink, realpath } from 'node:fs/promises';
import path from 'node:path';
import { ManifestError } from './errors.js';
import { isInside } from './inside.js';
import type { AppManifest } from './schema.js';

/**
 * Every path a manifest names that podwarden reads from the host (template files, build
 * contexts), with the field that names it. The schema already made each absolute, below the
 * manifest's folder and without "..".
 */
function pathsRead(manifest: AppManifest): Array<{ field: string; file: string }> {
  const read: Array<{ field: string; file: string }> = [];
  const fromFiles = (prefix: string, files: AppManifest['files']) =>
    files?.forEach((file, i) => {
      if (file.templateFile !== undefined)
        read.push({ field: `${prefix}files[${i}].templateFile`, file: file.templateFile });
    });
  const fromBuild = (prefix: string, container: AppManifest['container']) => {
    if (container.build) read.push({ field: `${prefix}container.build.context`, file: container.build.context });
  };
  fromFiles('app.', manifest.files);
  fromBuild('app.', manifest.container);
  manifest.companions.forEach((companion, i) => {
    fromFiles(`app.companions[${i}].`, companion.files);
    fromBuild(`app.companions[${i}].`, companion.container);
  });
  return read;
}

/**
 * Where each path the manifest reads really leads (realpath) must stay inside `root`, the
 * manifest's folder: a symbolic link in the catalog cannot make podwarden read /etc. A path
 * that does not exist yet is no error here (a missing build context falls back to a pull; a
 * missing template is reported when rendering), and it is checked again before each use.
 * Errors never say where a link leads.
 */
export async function confinementErrors(
  manifest: AppManifest,
  manifestFile: string,
  root = path.dirname(manifestFile),
): Promise<ManifestError[]> {
  const errors: ManifestError[] = [];
  let realRoot: string;
  try {
    realRoot = await realpath(root);
  } catch {
    return errors;
  }
  for (const { field, file } of pathsRead(manifest)) {
    const problem = await escapeProblem(realRoot, file);
    if (problem) errors.push(new ManifestError({ file: manifestFile, path: field, message: problem }));
  }
  return errors;
}

/** Why `file` may not be read as a part of a manifest whose folder is `realRoot`, or undefined. */
export async function escapeProblem(realRoot: string, file: string): Promise<string | undefined> {
  let real: string;
  try {
    real = await realpath(file);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT'
      ? undefined
      : `cannot be resolved (${(error as NodeJS.ErrnoException).code ?? 'error'})`;
  }
  return isInside(realRoot, real) ? undefined : LEADS_OUT;
}

const LEADS_OUT = "leads outside the manifest's folder through a symbolic link; podwarden reads only files inside it";

/** A file that may not be read: outside the manifest's folder, not a regular file, or too large. */
export class ConfinedReadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfinedReadError';
  }
}

/**
 * Reads `file` as text, where it is only read if it really is inside `root`: the check is made
 * on the file as opened (its /proc/self/fd link), so a link swapped in after a check gains
 * nothing. Not a regular file (a FIFO would block), or larger than `maxBytes`: refused.
 */
export async function readConfinedFile(root: string, file: string, maxBytes: number): Promise<string> {
  const realRoot = await realpath(root);
  const handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const opened = await readlink(`/proc/self/fd/${handle.fd}`).catch(() => realpath(file));
    if (!isInside(realRoot, opened)) throw new ConfinedReadError(LEADS_OUT);
    const info = await handle.stat();
    if (!info.isFile()) throw new ConfinedReadError('is not a regular file');
    if (info.size > maxBytes) throw new ConfinedReadError(`is ${info.size} bytes; at most ${maxBytes} are read`);
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}
