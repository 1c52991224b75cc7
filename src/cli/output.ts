import { Option, type Command } from 'commander';
import type { ClientOptions } from './client-command.js';

/** What a listing command prints: a table (`wide`: every column, nothing cut), or data. */
export type OutputFormat = 'wide' | 'json' | 'yaml';

export interface OutputOptions extends ClientOptions {
  output?: OutputFormat;
  quiet?: boolean;
}

/** `-o wide|json|yaml` and, where a listing has ids, `-q` (ids only, one a line), as kubectl and podman spell them. */
export function withOutputOptions(command: Command, { quiet }: { quiet?: string } = {}): Command {
  command.addOption(
    new Option('-o, --output <format>', 'wide: every column, nothing cut; json or yaml: the data').choices([
      'wide',
      'json',
      'yaml',
    ]),
  );
  if (quiet) command.addOption(new Option('-q, --quiet', quiet));
  return command;
}

/** `json` or `yaml` when the data is wanted rather than a table (`--json` is `-o json`). */
export function dataFormat(options: OutputOptions): 'json' | 'yaml' | undefined {
  if (options.json || options.output === 'json') return 'json';
  return options.output === 'yaml' ? 'yaml' : undefined;
}

/** The data as JSON or YAML text, with a trailing newline. The YAML printer is loaded only when asked for. */
export async function formatData(value: unknown, format: 'json' | 'yaml'): Promise<string> {
  if (format === 'json') return `${JSON.stringify(value, null, 2)}\n`;
  const { stringify } = await import('yaml');
  return stringify(value);
}

/** Prints the data; true when it did (the command then prints nothing else). */
export async function printedAsData(value: unknown, options: OutputOptions): Promise<boolean> {
  const format = dataFormat(options);
  if (!format) return false;
  process.stdout.write(await formatData(value, format));
  return true;
}
