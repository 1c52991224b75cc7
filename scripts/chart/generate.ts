import { readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Graphviz } from '@hpcc-js/wasm-graphviz';
import type { AnyStateMachine } from 'xstate';
import { chartOf, type Chart } from './chart.js';
import { toDot } from './dot.js';
import { readMachineSource, type MachineSource } from './machine-source.js';
import { toMermaid } from './mermaid.js';
import { toReadme, type ReadmeEntry } from './readme.js';
import { actorEdges, treeDot, treeMermaid } from './actor-tree.js';

/** A machine exported by a source file. */
export interface MachineEntry {
  machine: AnyStateMachine;
  exportName: string;
  /** Absolute path of the file that defines it. */
  file: string;
}

function isMachine(value: unknown): value is AnyStateMachine {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { __xstatenode?: unknown }).__xstatenode === true &&
    'root' in value &&
    typeof (value as { transition?: unknown }).transition === 'function'
  );
}

/**
 * Every machine exported by `<dir>/*.machine.ts`, by file name then export name. A machine
 * imported and re-exported by another file is charted once, from the file that defines it.
 */
export async function discoverMachines(dir: string): Promise<MachineEntry[]> {
  const files = (await readdir(dir)).filter((name) => name.endsWith('.machine.ts')).sort();
  const entries: MachineEntry[] = [];
  const seen = new Set<AnyStateMachine>();
  for (const name of files) {
    const file = join(dir, name);
    const module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    for (const exportName of Object.keys(module).sort()) {
      const value = module[exportName];
      if (!isMachine(value) || seen.has(value)) continue;
      seen.add(value);
      entries.push({ machine: value, exportName, file });
    }
  }
  return entries;
}

export interface GenerateOptions {
  /** Source paths in the output are relative to this (the repository root). */
  root: string;
  /**
   * Told when a machine's source cannot be read for doc comments and inline guards (say, a
   * `.provide(...)` of a machine defined elsewhere): its chart is still drawn, with derived
   * state meanings and unnamed inline guards.
   */
  warn?: (message: string) => void;
}

/** File name → content of everything under visualizations/. Deterministic: no timestamps, stable order. */
export async function generateVisualizations(
  entries: MachineEntry[],
  options: GenerateOptions,
): Promise<Map<string, string>> {
  const charts: Chart[] = [];
  const owners = new Map<string, string>();
  for (const entry of entries) {
    const sourceFile = relative(options.root, entry.file).split(sep).join('/');
    const where = `${sourceFile} (${entry.exportName})`;
    const previous = owners.get(entry.machine.id);
    if (previous) {
      throw new Error(
        `machines ${previous} and ${where} both have the id "${entry.machine.id}": chart file names would clash`,
      );
    }
    owners.set(entry.machine.id, where);
    let source: MachineSource | undefined;
    try {
      source = readMachineSource(entry.file, entry.exportName);
    } catch (error) {
      options.warn?.(`${where}: ${error instanceof Error ? error.message : String(error)}`);
    }
    charts.push(chartOf(entry.machine, { exportName: entry.exportName, sourceFile, source }));
  }

  const graphviz = await Graphviz.load();
  const files = new Map<string, string>();
  const readme: ReadmeEntry[] = [];
  for (const chart of charts) {
    const mermaid = toMermaid(chart);
    const mermaidFile = `${chart.id}.mmd`;
    const svgFile = `${chart.id}.svg`;
    files.set(mermaidFile, mermaid);
    files.set(svgFile, graphviz.layout(toDot(chart, { rankdir: 'TB' }), 'svg', 'dot'));
    readme.push({ chart, mermaid, mermaidFile, svgFile });
  }
  const edges = actorEdges(entries.map((entry) => entry.machine));
  let tree: { mermaid: string; mermaidFile: string; svgFile: string } | undefined;
  if (edges.length > 0) {
    tree = { mermaid: treeMermaid(edges), mermaidFile: 'tree.mmd', svgFile: 'tree.svg' };
    files.set(tree.mermaidFile, tree.mermaid);
    files.set(tree.svgFile, graphviz.layout(treeDot(edges), 'svg', 'dot'));
  }
  files.set('README.md', toReadme(readme, tree));
  return files;
}
