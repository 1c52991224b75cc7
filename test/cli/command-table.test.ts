import { describe, expect, it } from 'vitest';
import { COMMANDS, commandsFor } from '../../src/cli/command-table.js';

describe('the commands the CLI loads for its arguments', () => {
  it('the one named; none for --version; all for --help, help or a typo', () => {
    expect(commandsFor(['status', '--socket', 'x'])).toEqual([COMMANDS.status]);
    expect(commandsFor(['--version'])).toEqual([]);
    expect(commandsFor(['-V'])).toEqual([]);
    const all = Object.values(COMMANDS);
    expect(commandsFor(['--help'])).toEqual(all);
    expect(commandsFor(['help'])).toEqual(all);
    expect(commandsFor(['stauts'])).toEqual(all);
    expect(commandsFor([])).toEqual(all);
  });
});
