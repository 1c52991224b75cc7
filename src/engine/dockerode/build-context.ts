import { readdir, stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { EngineError } from '../../domain/engine-error.js';
import { type BuildSpec } from '../port.js';

/**
 * The Containerfile to build from (relative to the context) and the entries of the context to
 * send; fails when the Containerfile is not among them.
 */
export async function buildContextEntries(
  spec: Pick<BuildSpec, 'context' | 'containerfile'>,
  action: string,
): Promise<{ containerfile: string; files: string[] }> {
  const containerfile = posix.normalize(spec.containerfile ?? (await defaultContainerfile(spec.context, action)));
  const files = await contextFiles(spec.context, action);
  if (!files.includes(containerfile)) {
    throw new EngineError('not-found', `${action}: ${containerfile} is not in the build context`);
  }
  return { containerfile, files };
}

/** Containerfile, then Dockerfile, as podman build picks them. */
export async function defaultContainerfile(context: string, action: string): Promise<string> {
  for (const candidate of ['Containerfile', 'Dockerfile']) {
    try {
      if ((await stat(join(context, candidate))).isFile()) return candidate;
    } catch {
      // not there: try the next name
    }
  }
  throw new EngineError('not-found', `${action}: neither Containerfile nor Dockerfile exists in ${context}`);
}

/**
 * Every file, symlink and empty directory under `context`, relative to it: the entries of the
 * tar sent to the engine (dockerode applies .dockerignore to this list). Files are listed
 * one by one so an ignore rule can drop a single file in a directory that is kept.
 */
export async function contextFiles(context: string, action: string): Promise<string[]> {
  const files: string[] = [];
  const walk = async (relative: string): Promise<void> => {
    const entries = await readdir(join(context, relative), { withFileTypes: true });
    if (entries.length === 0 && relative !== '') files.push(relative);
    for (const entry of entries) {
      const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) await walk(path);
      else files.push(path);
    }
  };
  try {
    await walk('');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new EngineError(
      code === 'ENOENT' || code === 'ENOTDIR' ? 'not-found' : 'engine',
      `${action}: cannot read the build context: ${(error as Error).message}`,
      error,
    );
  }
  return files;
}
