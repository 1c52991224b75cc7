import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { inspectOption } from '../../src/inspect/inspect-option.js';

function parse(...args: string[]): { inspect?: number } {
  const command = new Command('run')
    .addOption(inspectOption())
    .exitOverride()
    .configureOutput({ writeErr: () => undefined });
  command.parse(args, { from: 'user' });
  return command.opts();
}

describe('podwarden run --inspect[=PORT]', () => {
  it('is off unless given, and uses port 5678 when given without one', () => {
    expect(parse().inspect).toBeUndefined();
    expect(parse('--inspect').inspect).toBe(5678);
  });

  it('takes a port as --inspect=PORT or --inspect PORT', () => {
    expect(parse('--inspect=6000').inspect).toBe(6000);
    expect(parse('--inspect', '6001').inspect).toBe(6001);
  });

  it('names the option and the bad value', () => {
    expect(() => parse('--inspect=http')).toThrow('--inspect wants a TCP port (1-65535), got "http"');
    expect(() => parse('--inspect=70000')).toThrow('got "70000"');
  });
});
