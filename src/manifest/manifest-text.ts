import { CST, Lexer } from 'yaml';
import { ManifestError } from './errors.js';
import { tooLarge } from './too-large.js';
import { MAX_NESTING } from './limits.js';

// What a manifest file must be before the YAML parser sees it: small enough, UTF-8 text, no
// NUL, not nested deeper than any app needs. Each check is cheap and bounded, and each refusal
// names the file and, where it can, the line.

const UTF8_BOM = [0xef, 0xbb, 0xbf];

/** The file's text, or the one reason it is not a manifest's text. */
export function decodeManifest(
  bytes: Uint8Array,
  file: string,
  maxBytes: number,
): { text: string } | { error: ManifestError } {
  const refuse = (message: string, line?: number) => ({
    error: new ManifestError({ file, path: '', message, ...(line !== undefined ? { line } : {}) }),
  });
  if (bytes.length > maxBytes) return refuse(tooLarge(bytes.length, maxBytes));
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    return refuse(
      'the file is UTF-16 text (it starts with a UTF-16 byte order mark); podwarden reads manifests as UTF-8',
    );
  }
  const start = UTF8_BOM.every((byte, i) => bytes[i] === byte) ? UTF8_BOM.length : 0;
  const body = bytes.subarray(start);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    const offset = firstInvalidUtf8(body);
    return refuse(`the file is not UTF-8 text: byte ${offset + start + 1} is not valid UTF-8`, lineAt(body, offset));
  }
  return textProblem(text, file) ?? { text };
}

/** A refusal for text the YAML parser must not see (a NUL, nesting too deep), or undefined. */
export function textProblem(text: string, file: string): { error: ManifestError } | undefined {
  const nul = text.indexOf('\0');
  if (nul !== -1) {
    const line = lineOfOffset(text, nul);
    return {
      error: new ManifestError({
        file,
        path: '',
        line,
        message: 'the file contains a NUL character; a manifest is text',
      }),
    };
  }
  const deep = tooDeepAt(text);
  if (deep !== undefined) {
    return {
      error: new ManifestError({
        file,
        path: '',
        line: lineOfOffset(text, deep),
        message: `mappings and lists are nested more than ${MAX_NESTING} deep here; a manifest needs far fewer levels`,
      }),
    };
  }
  return undefined;
}

/**
 * Where nesting first passes MAX_NESTING, or undefined. Read from the YAML lexer's tokens (it
 * keeps no stack, so any input is safe to scan), before the parser, whose recursion on deeper
 * input exhausts the stack. Flow collections (`[`, `{`) count one level each; block collections
 * count the indentation columns still open, where a key starting a line, a `- ` and a `? ` each
 * open one (so `- - - x` is three deep). Block scalar text (`|`, `>`) opens nothing.
 */
function tooDeepAt(text: string): number | undefined {
  let offset = 0;
  let column = 0;
  let flow = 0;
  const open: number[] = [];
  let lineStart = true;
  let scalarNext = false;
  let blockScalarNext = false;
  const openBlock = () => {
    while (open.length > 0 && open[open.length - 1]! >= column) open.pop();
    open.push(column);
  };
  const advance = (lexeme: string) => {
    const newline = lexeme.lastIndexOf('\n');
    column = newline === -1 ? column + lexeme.length : lexeme.length - newline - 1;
    offset += lexeme.length;
  };
  for (const lexeme of new Lexer().lex(text)) {
    // The lexer marks where documents, scalars and flow errors begin with characters that are
    // not in the source: they move nothing.
    if (lexeme === CST.DOCUMENT || lexeme === CST.FLOW_END) continue;
    if (lexeme === CST.SCALAR) {
      if (flow === 0 && lineStart && !blockScalarNext) openBlock();
      scalarNext = true;
      continue;
    }
    if (scalarNext) {
      scalarNext = false;
      blockScalarNext = false;
      advance(lexeme);
      lineStart = lexeme.endsWith('\n');
      continue;
    }
    const type = CST.tokenType(lexeme);
    if (flow === 0 && (type === 'seq-item-ind' || type === 'explicit-key-ind')) openBlock();
    else if (type === 'block-scalar-header') blockScalarNext = true;
    else if (type === 'flow-map-start' || type === 'flow-seq-start') flow += 1;
    else if (type === 'flow-map-end' || type === 'flow-seq-end') flow = Math.max(0, flow - 1);
    if (flow + open.length > MAX_NESTING) return offset;
    if (type === 'newline') lineStart = true;
    else if (type !== 'space') lineStart = false;
    advance(lexeme);
  }
  return undefined;
}

function lineOfOffset(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line += 1;
  return line;
}

function lineAt(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i += 1) if (bytes[i] === 0x0a) line += 1;
  return line;
}

/** Offset of the first byte that does not belong to a valid UTF-8 sequence. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const byte = bytes[i]!;
    const length =
      byte < 0x80
        ? 1
        : byte >= 0xc2 && byte <= 0xdf
          ? 2
          : byte >= 0xe0 && byte <= 0xef
            ? 3
            : byte >= 0xf0 && byte <= 0xf4
              ? 4
              : 0;
    if (length === 0) return i;
    const sequence = bytes.subarray(i, i + length);
    if (sequence.length < length) return i;
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(sequence);
    } catch {
      return i;
    }
    i += length;
  }
  return i;
}
