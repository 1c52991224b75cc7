/**
 * How input is quoted in podwarden's messages. A manifest is untrusted text: a message may
 * show a short piece of it, never much of it, and never in a form that can hide what it is
 * (a Cyrillic "а" that looks like "a", a right-to-left override, a terminal escape).
 */

/** Longest piece of input a message quotes, in characters. */
export const EXCERPT_CHARS = 40;

/**
 * `text` in double quotes, cut to `max` characters, with everything outside printable ASCII
 * written as an escape, so the excerpt is plain ASCII whatever the input held.
 *
 * @example
 * excerpt('bitcoind')      // "bitcoind"
 * excerpt('\u0430pp')      // "\u0430pp"
 * excerpt('x'.repeat(99))  // the first 40 x in quotes, then `... (99 characters)`
 */
export function excerpt(text: string, max = EXCERPT_CHARS): string {
  const characters = Array.from(text);
  const shown = characters.slice(0, max).map(escapeCharacter).join('');
  return characters.length > max ? `"${shown}..." (${characters.length} characters)` : `"${shown}"`;
}

/**
 * A message from elsewhere (the YAML library, the file system) made safe to pass on: control
 * and invisible characters escaped, cut to `max` characters.
 */
export function plainMessage(text: string, max = 200): string {
  const characters = Array.from(text);
  const safe = characters
    .slice(0, max)
    .map((character) => (isPrintable(character) || isLetter(character) ? character : escapeCharacter(character)))
    .join('');
  return characters.length > max ? `${safe}...` : safe;
}

function escapeCharacter(character: string): string {
  switch (character) {
    case '"':
      return '\\"';
    case '\\':
      return '\\\\';
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    case '\t':
      return '\\t';
    default: {
      if (isPrintable(character)) return character;
      const code = character.codePointAt(0)!;
      return code <= 0xffff ? `\\u${code.toString(16).padStart(4, '0')}` : `\\u{${code.toString(16)}}`;
    }
  }
}

function isPrintable(character: string): boolean {
  const code = character.codePointAt(0)!;
  return code >= 0x20 && code <= 0x7e;
}

// Letters of any script pass through plain messages (a path may be named in them); controls,
// format characters (bidi overrides, zero-width joiners) and separators other than space do not.
function isLetter(character: string): boolean {
  return /^[\p{L}\p{N}\p{P}\p{S}]$/u.test(character);
}
