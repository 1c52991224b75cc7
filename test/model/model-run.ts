/** The outcome of replaying one family of generated paths against a machine. */
export interface FamilyResult {
  name: string;
  paths: number;
  steps: number;
  /** One message per path the machine did not follow. */
  divergences: string[];
}

export async function replayFamily<E>(
  name: string,
  paths: E[][],
  replay: (path: E[]) => Promise<string | undefined>,
): Promise<FamilyResult> {
  const divergences: string[] = [];
  let steps = 0;
  for (const path of paths) {
    steps += path.length;
    const divergence = await replay(path);
    if (divergence) divergences.push(divergence);
  }
  return { name, paths: paths.length, steps, divergences };
}

/**
 * Divergences grouped by what differed, with the shortest path of each group: many paths
 * usually run into the same finding, and the shortest one is its smallest reproduction.
 */
export function explainDivergences(result: FamilyResult, groups = 5): string {
  if (result.divergences.length === 0) return `${result.name}: the machine followed all ${result.paths} paths`;
  const byProblem = new Map<string, string[]>();
  for (const divergence of result.divergences) {
    const problem = divergence
      .split('\n')[0]!
      .replace(/ctr-\d+/g, 'ctr-N')
      .replace(/\(\d+,/g, '(N,');
    byProblem.set(problem, [...(byProblem.get(problem) ?? []), divergence]);
  }
  const kinds = `${byProblem.size} kind${byProblem.size === 1 ? '' : 's'} of divergence`;
  const lines = [`${result.name}: ${result.divergences.length} of ${result.paths} paths diverge, ${kinds}:`];
  const ranked = [...byProblem.values()].sort((a, b) => b.length - a.length);
  for (const group of ranked.slice(0, groups)) {
    const shortest = group.reduce((best, next) => (next.length < best.length ? next : best));
    lines.push(`- ${group.length} paths, e.g. ${shortest}`);
  }
  if (ranked.length > groups) lines.push(`- and ${ranked.length - groups} more`);
  return lines.join('\n');
}
