/**
 * Plain aligned columns, as kubectl and podman print them: upper-case headers, no borders, three
 * spaces between columns, one line per row. On a terminal the table fits its width: the columns
 * marked `cut` (a reason, a message) are shortened with `…`; `wide` never cuts. Colours
 * wrap the text only, never the padding, so they never shift a column.
 */

export type Colour = 'green' | 'yellow' | 'red' | 'dim';

export interface Column {
  header: string;
  /** Shortened to fit the width (a reason, a message); when several are, the last gives way first. */
  cut?: boolean;
  /** The colour of a cell, from its text; none when undefined. */
  colour?: (cell: string) => Colour | undefined;
}

export interface TableLayout {
  /** Columns the table may use; `Infinity` never cuts. */
  width: number;
  colour: boolean;
}

const GAP = '   ';
/** A cut column keeps at least this many characters, even when the table then overflows. */
const MIN_CUT_WIDTH = 12;

const ANSI: Record<Colour, [string, string]> = {
  green: ['\u001b[32m', '\u001b[39m'],
  yellow: ['\u001b[33m', '\u001b[39m'],
  red: ['\u001b[31m', '\u001b[39m'],
  dim: ['\u001b[2m', '\u001b[22m'],
};

/** Characters as a terminal counts them (code points: `…` and `→` are one each). */
export function visibleLength(text: string): number {
  return [...text].length;
}

/** `text` shortened to `width` characters, its last one `…` when something was cut. */
export function cut(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  if (width <= 1) return '…'.slice(0, width);
  return `${chars.slice(0, width - 1).join('')}…`;
}

export function paint(text: string, colour: Colour | undefined, enabled: boolean): string {
  if (!enabled || colour === undefined) return text;
  const [open, close] = ANSI[colour];
  return `${open}${text}${close}`;
}

/** The table as text, without a trailing newline. Cells may not hold newlines (they are replaced by spaces). */
export function renderTable(columns: readonly Column[], rows: readonly string[][], layout: TableLayout): string {
  const cells = rows.map((row) => columns.map((_, i) => (row[i] ?? '').replace(/\s*\n\s*/g, ' ')));
  const widths = columns.map((column, i) =>
    Math.max(visibleLength(column.header), ...cells.map((row) => visibleLength(row[i]!))),
  );
  // Over the width: the last cut column gives up characters first, down to its minimum, then the one before.
  let over = widths.reduce((sum, w) => sum + w, 0) + GAP.length * (columns.length - 1) - layout.width;
  for (let i = columns.length - 1; i >= 0 && over > 0; i -= 1) {
    if (!columns[i]!.cut) continue;
    const keep = Math.max(Math.min(MIN_CUT_WIDTH, widths[i]!), widths[i]! - over);
    over -= widths[i]! - keep;
    widths[i] = keep;
  }
  const line = (row: readonly string[], colours: boolean) =>
    columns
      .map((column, i) => {
        const text = cut(row[i]!, widths[i]!);
        const painted = colours ? paint(text, column.colour?.(row[i]!), layout.colour) : text;
        // The last column is not padded: no trailing spaces.
        return i === columns.length - 1 ? painted : painted + ' '.repeat(widths[i]! - visibleLength(text));
      })
      .join(GAP)
      .trimEnd();
  return [
    line(
      columns.map((column) => column.header.toUpperCase()),
      false,
    ),
    ...cells.map((row) => line(row, true)),
  ].join('\n');
}

/**
 * How wide and how colourful output to `stream` may be. A terminal: its width, and colour
 * unless `NO_COLOR` is set (https://no-color.org) or `TERM=dumb`. Anything else (a pipe, a
 * file): no colour and, as kubectl does, no cutting, so `grep` and scripts see whole lines;
 * `COLUMNS`, when set, still gives a width.
 */
export function layoutFor(
  stream: { isTTY?: boolean; columns?: number } = process.stdout,
  env: NodeJS.ProcessEnv = process.env,
): TableLayout {
  const columns = Number(env.COLUMNS);
  const fromEnv = Number.isInteger(columns) && columns > 0 ? columns : undefined;
  if (!stream.isTTY) return { width: fromEnv ?? Infinity, colour: false };
  const noColour = (env.NO_COLOR !== undefined && env.NO_COLOR !== '') || env.TERM === 'dumb';
  return { width: stream.columns ?? fromEnv ?? 80, colour: !noColour };
}
