import { copyFile, link, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { DesiredState } from './desired-store.js';

/** Beside desired.json: the file as it was before the last save, to restore from. */
export const PREVIOUS_FILE = 'desired.previous.json';

/**
 * Before `file` is replaced, its current content becomes `previous` (one copy is kept). A hard
 * link under a temp name, renamed over the old copy: no data is written, and a crash at any
 * point leaves both files whole. Where links are refused, a copy does the same.
 */
export async function keepPreviousCopy(file: string, previous: string): Promise<void> {
  const temp = path.join(path.dirname(previous), `.${path.basename(previous)}.${process.pid}.link`);
  await rm(temp, { force: true });
  try {
    await link(file, temp);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return; // nothing to keep yet: the first save
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EXDEV') throw error;
    await copyFile(file, temp);
  }
  await rename(temp, previous);
}

/** The way out of an unreadable desired.json, as the daemon prints it and `DesiredStateError.remedy` holds it. */
export function unreadableRemedy(options: {
  file: string;
  previousFile: string;
  previous: DesiredState | undefined;
  previousProblem: string | undefined;
}): string {
  const { file, previousFile, previous } = options;
  const broken = `${file}.broken`;
  const restore = previous
    ? `restore the previous copy podwarden kept (from before its last save; installed: ${describeApps(previous)}): cp ${previousFile} ${file}`
    : options.previousProblem
      ? `the previous copy ${previousFile} is unreadable too (${options.previousProblem}); repair ${file} by hand`
      : `there is no previous copy (${previousFile}); repair ${file} by hand`;
  return [
    'Nothing was started and no container was touched. Either',
    `  - ${restore}, or`,
    `  - start over from what the engine runs: mv ${file} ${broken}; podwarden then adopts the containers it owns as installed (see docs/reliability.md)`,
  ].join('\n');
}

function describeApps(state: DesiredState): string {
  const apps = Object.entries(state.apps).map(([id, app]) => (app.desired === 'stopped' ? `${id} (stopped)` : id));
  return apps.length === 0 ? 'no apps' : apps.join(', ');
}
