import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Files the generator owns in its output folder; anything else there is left alone. */
function isGenerated(name: string): boolean {
  return name === 'README.md' || name.endsWith('.mmd') || name.endsWith('.svg');
}

async function generatedIn(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter(isGenerated).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** Writes `files` into `dir` and removes generated files no machine produces any more. */
export async function writeVisualizations(files: Map<string, string>, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const name of await generatedIn(dir)) {
    if (!files.has(name)) await rm(join(dir, name));
  }
  for (const [name, content] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
    await writeFile(join(dir, name), content);
  }
}

export interface StaleFile {
  name: string;
  problem: string;
}

function firstDifference(expected: string, actual: string): string {
  const want = expected.split('\n');
  const have = actual.split('\n');
  for (let index = 0; index < Math.max(want.length, have.length); index += 1) {
    if (want[index] !== have[index]) return `differs from line ${index + 1}`;
  }
  return 'differs';
}

/** How the generated files in `actual` differ from those in `expected` (empty: identical). */
export async function compareVisualizations(expected: string, actual: string): Promise<StaleFile[]> {
  const want = await generatedIn(expected);
  const have = await generatedIn(actual);
  const stale: StaleFile[] = [];
  for (const name of want) {
    if (!have.includes(name)) {
      stale.push({ name, problem: 'missing' });
      continue;
    }
    const [wanted, found] = await Promise.all([
      readFile(join(expected, name), 'utf8'),
      readFile(join(actual, name), 'utf8'),
    ]);
    if (wanted !== found) stale.push({ name, problem: firstDifference(wanted, found) });
  }
  for (const name of have) {
    if (!want.includes(name)) stale.push({ name, problem: 'no machine produces it any more' });
  }
  return stale;
}
