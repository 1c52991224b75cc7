import path from 'node:path';
import { isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import { issuesToErrors, limitErrors, ManifestError, type Locate } from './errors.js';
import { APP_ID_PATTERN } from './field-formats.js';
import { DEFAULT_MANIFEST_MAX_BYTES } from './limits.js';
import { decodeManifest, textProblem } from './manifest-text.js';
import { tooLarge } from './too-large.js';
import { knownManifestKeys, manifestFileSchema, type AppManifest } from './schema.js';
import { readYaml } from './yaml-document.js';

/**
 * A manifest read, or why not. `claimedId` is the `app.id` the file claims when it could be
 * read at all, so a refused file can still be named when someone asks for its app.
 */
export type ParseResult = { manifest: AppManifest } | { errors: ManifestError[]; claimedId?: string };

/**
 * Reads one manifest file's bytes: size, encoding and text first (decodeManifest), then the
 * YAML and the schema. Never throws for bad input.
 */
export function parseManifestBytes(
  bytes: Uint8Array,
  file: string,
  maxBytes = DEFAULT_MANIFEST_MAX_BYTES,
): ParseResult {
  const decoded = decodeManifest(bytes, file, maxBytes);
  if ('error' in decoded) return { errors: [decoded.error] };
  return parseChecked(decoded.text, file);
}

/**
 * Parses one manifest file's text. `file` names the file in errors and anchors relative paths
 * (build contexts, template files). Never throws for bad input: every problem comes back as a
 * ManifestError naming the file, the field and the reason, at most MAX_ERRORS_PER_FILE of them.
 */
export function parseManifest(text: string, file: string, maxBytes = DEFAULT_MANIFEST_MAX_BYTES): ParseResult {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > maxBytes) return { errors: [new ManifestError({ file, path: '', message: tooLarge(bytes, maxBytes) })] };
  const problem = textProblem(text.startsWith('\uFEFF') ? text.slice(1) : text, file);
  if (problem) return { errors: [problem.error] };
  return parseChecked(text, file);
}

function parseChecked(text: string, file: string): ParseResult {
  const read = readYaml(text, file);
  if ('errors' in read) return { errors: limitErrors(read.errors), ...claim(read.claimedId) };
  const { doc, lineCounter, data } = read;
  keepNumberSpelling(doc, text, data);

  const result = manifestFileSchema(path.dirname(file)).safeParse(data, { reportInput: true });
  if (!result.success) {
    const errors = issuesToErrors(file, result.error.issues, {
      locate: locator(doc, lineCounter),
      knownKeys: knownManifestKeys,
    });
    return { errors: limitErrors(errors), ...claim(asRecord(asRecord(data)?.app)?.id) };
  }
  return { manifest: result.data.app };
}

function claim(id: unknown): { claimedId?: string } {
  return typeof id === 'string' && APP_ID_PATTERN.test(id) ? { claimedId: id } : {};
}

/**
 * YAML reads `version: 0.10` as the number 0.1 and `KEY: 1.50` as 1.5. Where podwarden wants
 * text, it takes the number as it was written instead of what JavaScript makes of it.
 */
function keepNumberSpelling(doc: Document, text: string, data: unknown): void {
  const app = asRecord(asRecord(data)?.app);
  if (app === undefined) return;
  const spelling = (node: unknown): string | undefined =>
    isScalar(node) && typeof node.value === 'number' && node.range
      ? text.slice(node.range[0], node.range[1])
      : undefined;

  const version = spelling(doc.getIn(['app', 'version'], true));
  if (version !== undefined) app.version = version;

  const env = asRecord(asRecord(app.container)?.env);
  const envNode = doc.getIn(['app', 'container', 'env'], true);
  if (env === undefined || !isMap(envNode)) return;
  for (const pair of envNode.items) {
    const key = isScalar(pair.key) ? pair.key.value : undefined;
    const value = spelling(pair.value);
    if (typeof key === 'string' && value !== undefined && key in env) env[key] = value;
  }
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** Finds the line of a field path; a missing field points at the mapping that lacks it. */
function locator(doc: Document, lineCounter: LineCounter): Locate {
  return (fieldPath) => {
    let node: Node | null | undefined = doc.contents as Node | null;
    let position = node?.range?.[0];
    for (const [i, segment] of fieldPath.entries()) {
      if (isMap(node)) {
        const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
        if (pair === undefined) break;
        // The field's own key is the most useful place to point at; its value may start lines later.
        position = (isScalar(pair.key) ? pair.key.range?.[0] : undefined) ?? position;
        if (i === fieldPath.length - 1) break;
        node = pair.value as Node | null;
        if (node?.range) position = node.range[0];
      } else if (isSeq(node) && typeof segment === 'number') {
        node = node.items[segment] as Node | undefined;
        if (node?.range) position = node.range[0];
        else break;
      } else {
        break;
      }
    }
    if (position === undefined) return undefined;
    const { line, col } = lineCounter.linePos(position);
    return { line, column: col };
  };
}
