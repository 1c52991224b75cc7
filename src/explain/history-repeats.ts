/**
 * An explanation says a thing once: the same step failing the same way on every retry is one
 * line with a count, and a long engine error is quoted where it first appears, then referred to.
 */

/** One line of an app's history, newest first, with its time. */
export interface HistoryLine {
  at: number;
  text: string;
}

const CLOCK = /\b\d\d:\d\d:\d\d\b/g;

/** Runs of lines that differ only in their times, as their newest with `(4 times since 12:00:01)`. */
export function mergeRepeats(lines: readonly HistoryLine[]): string[] {
  const merged: string[] = [];
  for (let i = 0; i < lines.length;) {
    const key = lines[i]!.text.replace(CLOCK, '');
    let j = i + 1;
    while (j < lines.length && lines[j]!.text.replace(CLOCK, '') === key) j += 1;
    const count = j - i;
    const text = lines[i]!.text;
    if (count === 1) merged.push(text);
    else {
      const oldest = new Date(lines[j - 1]!.at).toISOString().slice(11, 19);
      const body = text.endsWith('.') ? text.slice(0, -1) : text;
      // One parenthesis after another reads badly: after one, the count follows a semicolon.
      merged.push(
        body.endsWith(')') ? `${body}; ${count} times since ${oldest}.` : `${body} (${count} times since ${oldest}).`,
      );
    }
    i = j;
  }
  return merged;
}

/** Errors shorter than this are cheaper to repeat than to refer to. */
const LONG_ERROR = 40;
export const SAME_ERROR = 'the same error as above';

/**
 * `texts` (read in order) with every long error after its first appearance replaced by
 * `the same error as above`.
 */
export function sayErrorsOnce(texts: readonly string[], errors: Iterable<string>): string[] {
  const long = [...new Set(errors)].filter((error) => error.length >= LONG_ERROR).sort((a, b) => b.length - a.length);
  const seen = new Set<string>();
  return texts.map((text) => {
    let result = text;
    for (const error of long) {
      let from = 0;
      for (let at = result.indexOf(error, from); at >= 0; at = result.indexOf(error, from)) {
        if (!seen.has(error)) {
          seen.add(error);
          from = at + error.length;
          continue;
        }
        result = `${result.slice(0, at)}${SAME_ERROR}${result.slice(at + error.length)}`;
        from = at + SAME_ERROR.length;
      }
    }
    return result;
  });
}
