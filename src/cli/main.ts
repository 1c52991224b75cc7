#!/usr/bin/env node
import { Command } from 'commander';
import { replayCommand } from './replay.js';
import { runCommand } from './run.js';

const program = new Command('podwarden')
  .description('keeps the containers of a home server in the state their owner asked for')
  .version('0.1.0')
  .addCommand(runCommand())
  .addCommand(replayCommand());

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(`podwarden: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
