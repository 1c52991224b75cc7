import { rm } from 'node:fs/promises';
import path from 'node:path';
import { namesInFolder } from './names-in-folder.js';

/** The temp files `writeFileAtomic` makes beside a target: `.<name>.<pid>.<12 hex>.tmp`. */
const ATOMIC_TEMP = /^\..+\.\d+\.[0-9a-f]{12}\.tmp$/;

/**
 * Removes what interrupted atomic writes left in `dir` (a kill or a power cut between the temp
 * file and its rename): at start nothing of this process is in flight, so every such file is a
 * leftover. The targets themselves are whole (old or new content). Resolves with the names removed.
 */
export async function removeStaleTempFiles(dir: string): Promise<string[]> {
  const names = await namesInFolder(dir);
  const stale = names.filter((name) => ATOMIC_TEMP.test(name));
  for (const name of stale) await rm(path.join(dir, name), { force: true });
  return stale;
}
