import { ENV_KEY_PATTERN } from '../manifest/field-formats.js';

/**
 * A values file holds the values (often secrets) that rendered files embed, one `KEY=VALUE`
 * per line, as in an env file: the format a password-rotation script can write with one
 * `printf`. Blank lines and lines starting with `#` are skipped; the value is everything after
 * the first `=`, taken literally (no quotes, no escapes, no expansion), so any character a
 * password may hold survives. Errors name the line, never a value.
 */

export class ValuesFileError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'ValuesFileError';
  }
}

export function parseValuesFile(text: string): Record<string, string> {
  const values: Record<string, string> = Object.create(null) as Record<string, string>;
  const lines = text.split('\n');
  lines.forEach((raw, index) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const number = index + 1;
    if (line.trim() === '' || line.trimStart().startsWith('#')) return;
    const equals = line.indexOf('=');
    if (equals === -1) throw new ValuesFileError(number, 'expected KEY=VALUE');
    const key = line.slice(0, equals).trim();
    if (!ENV_KEY_PATTERN.test(key)) {
      throw new ValuesFileError(
        number,
        `${JSON.stringify(key)} is not a valid key (letters, digits and "_", not starting with a digit)`,
      );
    }
    if (Object.hasOwn(values, key)) throw new ValuesFileError(number, `${key} is defined twice`);
    values[key] = line.slice(equals + 1);
  });
  return values;
}
