import {
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Document,
  type Node,
  type YAMLError,
} from 'yaml';
import { excerpt, plainMessage } from './excerpt.js';
import { formatPath, ManifestError } from './errors.js';

/** A YAML document read from a manifest's text, with what it takes to point at a line. */
export interface ReadYaml {
  doc: Document;
  lineCounter: LineCounter;
  data: unknown;
}

/** Aliases (`*name`) one file may expand; more is the "billion laughs" attack, not a manifest. */
const MAX_ALIAS_COUNT = 100;

/**
 * Parses `text` as one YAML document. Every problem comes back as a ManifestError in
 * podwarden's words with its line: syntax, several documents, a key written twice (named by
 * its path: `app.id`), tags podwarden does not read, aliases past the limit.
 */
export function readYaml(text: string, file: string): ReadYaml | { errors: ManifestError[]; claimedId?: unknown } {
  const lineCounter = new LineCounter();
  // uniqueKeys is off: the library checks it in quadratic time (1.4 s for a 256 KiB env);
  // duplicateKeys below does the same in one pass and names the key's path.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  const at = (offset: number) => {
    // An error found at the very end (an unclosed quote or bracket) points at the last
    // written line rather than the empty one after it.
    const end = text.trimEnd().length;
    const { line, col } = lineCounter.linePos(end > 0 && offset >= end ? end - 1 : offset);
    return { line, column: col };
  };
  // What the file says its app is, even when it cannot be read: a refused file is still named
  // when someone asks for that app.
  const claimedId = (): unknown => (isMap(doc.contents) ? doc.getIn(['app', 'id']) : undefined);
  const problems = [...doc.errors, ...doc.warnings];
  if (problems.length > 0) {
    const errors = problems.map(
      (problem) => new ManifestError({ file, path: '', message: yamlMessage(problem), ...at(problem.pos[0]) }),
    );
    return { errors, claimedId: claimedId() };
  }
  if (doc.contents === null) {
    return {
      errors: [new ManifestError({ file, path: '', message: 'the file is empty; a manifest starts with "app:"' })],
    };
  }
  const duplicates = oddKeys(doc.contents as Node).map(
    ({ path, offset, twice }) =>
      new ManifestError({
        file,
        path: '',
        message: twice
          ? `${formatPath(path)} is written twice in the same mapping; write each key once`
          : `${formatPath(path)}: "__proto__" is not a key podwarden reads (JavaScript would drop it without a word)`,
        ...at(offset),
      }),
  );
  if (duplicates.length > 0) return { errors: duplicates, claimedId: claimedId() };
  try {
    return { doc, lineCounter, data: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      errors: [
        new ManifestError({
          file,
          path: '',
          message: /excessive alias count/i.test(message)
            ? `aliases (*name) expand to too much here (at most ${MAX_ALIAS_COUNT} expansions); write the values out`
            : /unresolved alias/i.test(message)
              ? `an alias (*${plainMessage(message.split(': ').pop() ?? '', 40)}) has no anchor (&name) before it`
              : `cannot read the YAML: ${plainMessage(message)}`,
        }),
      ],
    };
  }
}

/** The YAML library's complaint, in podwarden's words where podwarden has better ones. */
function yamlMessage(problem: YAMLError): string {
  switch (problem.code) {
    case 'MULTIPLE_DOCS':
      return 'the file holds several YAML documents ("---" starts another); a manifest is one document with "app:" at the top';
    case 'RESOURCE_EXHAUSTION':
      return 'the YAML is too deeply nested or too large to read';
    case 'TAG_RESOLVE_FAILED':
    case 'BAD_COLLECTION_TYPE': {
      const tag = /tag:? (\S+)/i.exec(problem.message)?.[1];
      return `YAML tags${tag ? ` (${excerpt(tag)})` : ''} are not read in manifests; write the plain value`;
    }
    case 'DUPLICATE_KEY':
      return 'a key is written twice in the same mapping; write each key once';
    default:
      return plainMessage(firstLine(problem.message));
  }
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.replace(/:$/, '');
}

/**
 * Keys written twice in one mapping, and `__proto__` keys (which become no key at all in
 * JavaScript), each with its path (`app.id`) and where it is. Iterative: nesting is bounded
 * before parsing, but no stack is needed here anyway.
 */
function oddKeys(root: Node): Array<{ path: PropertyKey[]; offset: number; twice: boolean }> {
  const found: Array<{ path: PropertyKey[]; offset: number; twice: boolean }> = [];
  const pending: Array<{ node: unknown; path: PropertyKey[] }> = [{ node: root, path: [] }];
  while (pending.length > 0) {
    const { node, path } = pending.pop()!;
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const key = keyText(pair.key);
        const offset = (pair.key as Node | null)?.range?.[0] ?? 0;
        if (seen.has(key)) found.push({ path: [...path, key], offset, twice: true });
        else if (key === '__proto__') found.push({ path, offset, twice: false });
        seen.add(key);
        pending.push({ node: pair.value, path: [...path, key] });
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => pending.push({ node: item, path: [...path, i] }));
    }
  }
  return found.sort((a, b) => a.offset - b.offset);
}

/** A key as JavaScript will see it: `1` and `"1"` are the same key there. */
function keyText(key: unknown): string {
  if (isScalar(key)) return String(key.value);
  if (key === null || key === undefined) return '';
  return excerpt(String(key));
}
