import path from 'node:path';

/**
 * The siblings a restore of `dataDir` uses (beside it, so every rename stays on one file system):
 * - `.<name>.restoring`: the copy being made (incomplete until renamed);
 * - `.<name>.restored`: the whole, verified copy, ready to take the data dir's place;
 * - `.<name>.aside`: the data as it was, moved out of the way, to be removed.
 */
export function restorePaths(dataDir: string): { restoring: string; restored: string; aside: string } {
  const parent = path.dirname(path.resolve(dataDir));
  const name = path.basename(path.resolve(dataDir));
  return {
    restoring: path.join(parent, `.${name}.restoring`),
    restored: path.join(parent, `.${name}.restored`),
    aside: path.join(parent, `.${name}.aside`),
  };
}
