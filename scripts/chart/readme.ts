import { allStates, type Chart, type ChartState } from './chart.js';

export interface ReadmeEntry {
  chart: Chart;
  mermaid: string;
  svgFile: string;
  mermaidFile: string;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

function kindOf(state: ChartState, chart: Chart): string {
  const parent = allStates(chart).find((candidate) => candidate.id === state.parentId);
  const initial = parent?.initialIds.includes(state.id) ?? false;
  return initial ? `initial, ${state.kind}` : state.kind;
}

function stateTable(chart: Chart): string[] {
  const rows = ['| State | Kind | What it means |', '|---|---|---|'];
  for (const state of allStates(chart)) {
    if (state === chart.root) continue;
    const meaning = state.doc.derived ? `_${cell(state.doc.text)}_` : cell(state.doc.text);
    rows.push(`| \`${cell(state.path.join('.'))}\` | ${kindOf(state, chart)} | ${meaning} |`);
  }
  return rows;
}

function anchor(id: string): string {
  return id
    .toLowerCase()
    .replace(/[^a-z0-9 _-]/g, '')
    .replace(/ /g, '-');
}

/** The index of visualizations/: for each machine its chart, its Mermaid source and what each state means. */
export function toReadme(
  entries: ReadmeEntry[],
  tree?: { mermaid: string; mermaidFile: string; svgFile: string },
): string {
  const out: string[] = [
    '# State charts',
    '',
    'Generated from the machines in `machines/` by `npm run visualize` (`scripts/visualize.ts`): do not',
    'edit these files by hand. `npm run visualize:check` fails when they no longer match the machines.',
    '',
    '| Machine | Defined in | States |',
    '|---|---|---|',
  ];
  for (const { chart } of entries) {
    const count = allStates(chart).length - 1;
    out.push(
      `| [${chart.id}](#${anchor(chart.id)}) | [\`${chart.sourceFile}\`](../${chart.sourceFile}) (\`${chart.exportName}\`) | ${count} |`,
    );
  }
  if (tree) {
    out.push(
      '',
      '## Who runs whom',
      '',
      'Each arrow is a machine among the actors of another (spawned or invoked), read from the machine',
      'definitions. The supervisor spawns one app machine per app (actor id `app:<appId>`) and, bound to',
      'it, one machine per companion (`companion:<appId>/<companionId>`): an `app` machine with the',
      '`container` backend, a `companionUnit` machine with `systemd`.',
      '',
      `![actor hierarchy](${tree.svgFile})`,
      '',
      `<details><summary>Mermaid source (<a href="${tree.mermaidFile}">${tree.mermaidFile}</a>)</summary>`,
      '',
      '```mermaid',
      tree.mermaid.trimEnd(),
      '```',
      '',
      '</details>',
    );
  }
  out.push(
    '',
    '## Reading the charts',
    '',
    '- A black dot points at the initial state; a double border marks a final state; a shaded box is a',
    '  compound state, with its child states inside.',
    '- An edge reads `EVENT [guard] / action, action`. Transitions between the same two states share one',
    '  edge, one line each. A guard shows its name, or its expression when it is written inline.',
    '- Edge colours: dark = an event; dashed grey = eventless `always`; blue = `after <delay>` (a named',
    "  delay from the machine's `delays`); green = `done: <actor>` (the invoked actor finished); red =",
    '  `error: <actor>` (it failed); purple = several kinds on one edge.',
    '- Lines inside a state: `invoke: <actor>` runs while the state is active; `entry / ...` runs on',
    '  entering it; `EVENT [guard] / actions` lines are handled without leaving the state.',
    '- **any state** stands for transitions defined on the machine itself: they are taken from whatever',
    '  state the machine is in.',
    '- In the tables, an _italic_ meaning has no doc comment in the source: it is derived from the',
    "  state's name.",
  );
  for (const { chart, mermaid, svgFile, mermaidFile } of entries) {
    out.push('', `## ${chart.id}`, '');
    if (chart.doc) out.push(chart.doc, '');
    out.push(
      `Defined in [\`${chart.sourceFile}\`](../${chart.sourceFile}) as \`${chart.exportName}\`.`,
      '',
      `![${chart.id} state chart](${svgFile})`,
      '',
      `<details><summary>Mermaid source (<a href="${mermaidFile}">${mermaidFile}</a>)</summary>`,
      '',
      '```mermaid',
      mermaid.trimEnd(),
      '```',
      '',
      '</details>',
      '',
      ...stateTable(chart),
    );
  }
  return `${out.join('\n')}\n`;
}
