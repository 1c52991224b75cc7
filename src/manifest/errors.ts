import type { z } from 'zod';
import { excerpt, plainMessage } from './excerpt.js';
import { MAX_ERRORS_PER_FILE } from './limits.js';

/**
 * One problem in one manifest file. `path` is the dotted field path with [i] indices
 * (`app.container.ports[0]`), empty when the problem is the file itself (unreadable, YAML syntax).
 * `line`/`column` (1-based) point into the file when the problem can be located there.
 */
export class ManifestError extends Error {
  readonly file: string;
  readonly path: string;
  readonly line?: number;
  readonly column?: number;

  constructor(init: { file: string; path: string; message: string; line?: number; column?: number }) {
    // The last line of defence: whatever a message was built from, it stays short and printable.
    super(plainMessage(init.message, 600));
    this.name = 'ManifestError';
    this.file = plainMessage(init.file, 300);
    this.path = plainMessage(init.path, 200);
    if (init.line !== undefined) this.line = init.line;
    if (init.column !== undefined) this.column = init.column;
  }

  /** `catalog/electrs.yml: app.container.ports[0]: expected ...` */
  override toString(): string {
    if (this.path !== '') return `${this.file}: ${this.path}: ${this.message}`;
    if (this.line !== undefined) {
      const column = this.column !== undefined ? `, column ${this.column}` : '';
      return `${this.file}: line ${this.line}${column}: ${this.message}`;
    }
    return `${this.file}: ${this.message}`;
  }

  toJSON(): { file: string; path: string; message: string; line?: number; column?: number } {
    return {
      file: this.file,
      path: this.path,
      message: this.message,
      ...(this.line !== undefined ? { line: this.line } : {}),
      ...(this.column !== undefined ? { column: this.column } : {}),
    };
  }
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** ['app', 'container', 'ports', 0] → `app.container.ports[0]`; odd keys → `env["A.B"]`. */
export function formatPath(segments: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (typeof segment === 'string' && IDENTIFIER.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${excerpt(String(segment))}]`;
  }
  return out;
}

/** Where in the file a field path points, when the YAML document can tell. */
export type Locate = (path: readonly PropertyKey[]) => { line: number; column: number } | undefined;

type Issue = z.core.$ZodIssue;

/**
 * Turns zod issues into ManifestErrors with messages a person can act on. Unions report the
 * branch that matched the value's type; unknown keys become one error each, with a suggestion.
 */
export function issuesToErrors(
  file: string,
  issues: readonly Issue[],
  options: { locate?: Locate; knownKeys?: (path: readonly PropertyKey[]) => readonly string[] } = {},
): ManifestError[] {
  const errors: ManifestError[] = [];
  const emit = (path: readonly PropertyKey[], message: string): void => {
    const where = options.locate?.(path);
    errors.push(new ManifestError({ file, path: formatPath(path), message, ...where }));
  };

  const visit = (issue: Issue, prefix: readonly PropertyKey[]): void => {
    const path = [...prefix, ...issue.path];
    switch (issue.code) {
      case 'unrecognized_keys': {
        for (const key of issue.keys) {
          const known = options.knownKeys?.(path) ?? [];
          const suggestion = closest(key, known);
          emit([...path, key], `unknown field ${excerpt(key)}${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`);
        }
        return;
      }
      case 'invalid_union': {
        // A branch whose only complaint is "wrong type here" did not apply to this value; if
        // exactly one branch is left, its complaints are the useful ones.
        const applicable = issue.errors.filter(
          (branch) => !(branch.length === 1 && branch[0]!.code === 'invalid_type' && branch[0]!.path.length === 0),
        );
        if (applicable.length === 1) {
          for (const inner of applicable[0]!) visit(inner, path);
          return;
        }
        const expected = unique(
          issue.errors.flatMap((branch) =>
            branch.length === 1 && branch[0]!.code === 'invalid_type' ? [describeType(branch[0]!.expected)] : [],
          ),
        );
        if (issue.input === undefined || !isZodDefault(issue.message)) {
          emit(path, describeIssue(issue));
          return;
        }
        emit(
          path,
          expected.length > 0
            ? `expected ${expected.join(' or ')}, got ${describeValue(issue.input)}`
            : `invalid value ${describeValue(issue.input)}`,
        );
        return;
      }
      default:
        emit(path, describeIssue(issue));
    }
  };

  for (const issue of issues) visit(issue, []);
  return errors;
}

function describeIssue(issue: Issue): string {
  if (issue.input === undefined && (issue.code === 'invalid_type' || issue.code === 'invalid_union')) {
    return 'is required';
  }
  if (issue.code === 'invalid_key') {
    // The key schema's own complaint names the key; the record's wrapper message does not.
    const inner = issue.issues.map((i) => i.message).filter((m) => !isZodDefault(m));
    return inner.length > 0 ? inner.join('; ') : `invalid key ${describeValue(issue.input)}`;
  }
  // Messages written by the schema itself (custom issues, `error:` options) are already worded
  // for people; zod's own defaults start with a capital and get rephrased here.
  if (!isZodDefault(issue.message)) {
    const showsInput = issue.message.includes('got ') || !VALUE_CODES.has(issue.code);
    return showsInput ? issue.message : `${issue.message}, got ${describeValue(issue.input)}`;
  }
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${describeType(issue.expected)}, got ${describeValue(issue.input)}`;
    case 'invalid_value':
      return `expected ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}, got ${describeValue(issue.input)}`;
    default:
      return `${lowerFirst(issue.message)}${issue.input !== undefined ? `, got ${describeValue(issue.input)}` : ''}`;
  }
}

// Issues whose schema messages state a rule without the offending value; the value is added.
const VALUE_CODES: ReadonlySet<string> = new Set([
  'invalid_type',
  'invalid_union',
  'too_small',
  'too_big',
  'not_multiple_of',
]);

// zod's built-in messages all start with an upper-case letter ("Invalid input: ...", "Too big: ...");
// podwarden's own messages start lower-case, like the rest of its error output.
function isZodDefault(message: string): boolean {
  return /^[A-Z]/.test(message);
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

function describeType(expected: string): string {
  switch (expected) {
    case 'string':
      return 'a string';
    case 'number':
    case 'int':
      return 'a number';
    case 'boolean':
      return 'true or false';
    case 'array':
      return 'a list';
    case 'object':
    case 'record':
      return 'a mapping';
    default:
      return expected;
  }
}

/**
 * A short rendering of a value for an error message. Mappings and lists are named, never
 * printed: they may hold env values, and env values may be secrets.
 */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (typeof value === 'string') return excerpt(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Uint8Array) return 'binary data';
  if (typeof value === 'object') return 'a mapping';
  return typeof value;
}

/**
 * At most MAX_ERRORS_PER_FILE problems of one file, the rest counted in a last line: a file
 * with ten thousand bad entries is one short report, not ten thousand lines in every output.
 */
export function limitErrors(errors: ManifestError[]): ManifestError[] {
  if (errors.length <= MAX_ERRORS_PER_FILE) return errors;
  const shown = errors.slice(0, MAX_ERRORS_PER_FILE - 1);
  const rest = errors.length - shown.length;
  return [
    ...shown,
    new ManifestError({ file: errors[0]!.file, path: '', message: `and ${rest} more problems in this file` }),
  ];
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const limit = Math.max(1, Math.floor(word.length / 3));
  if (bestDistance <= limit) return best;
  // A shortened name ("proto", "env_file" → "env") is a near miss too.
  const lower = word.toLowerCase();
  return word.length >= 3 ? candidates.find((c) => c.toLowerCase().startsWith(lower)) : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
