import { Command, Option } from 'commander';
import { parseDuration } from '../manifest/duration.js';
import { usageParser } from './arg-parsers.js';

/**
 * `podwarden replay FILE`: feeds a recording made with `podwarden run --record FILE` back
 * through the machines on virtual time and prints one line per transition; the same lines on
 * every run. Touches no engine. Exits 1 when the replay diverges from the recording, or (with
 * --check) when its transitions differ from those the recorded session observed.
 */
export function replayCommand(): Command {
  return new Command('replay')
    .description('replay a recording (podwarden run --record) on virtual time and print the transitions')
    .argument('<file>', 'the recording (NDJSON)')
    .addOption(
      new Option('--check', 'compare with the transitions the recorded session observed; exit 1 when they differ'),
    )
    .addOption(
      new Option('--tolerance <duration>', 'how far from its recorded time a call may come and still match it')
        .default(1_000, '1s')
        .argParser(usageParser(parseDuration)),
    )
    .action(async (file: string, options: { check?: boolean; tolerance: number }) => {
      // The machines and the replay engine are loaded only when a replay runs.
      const [{ readRecording }, { replayRecording }, { compareTransitions, formatTransition, observedTransitions }] =
        await Promise.all([
          import('../replay/read-recording.js'),
          import('../replay/replay.js'),
          import('../replay/transition-report.js'),
        ]);
      const recording = await readRecording(file);
      const transitions = await replayRecording(recording, { toleranceMs: options.tolerance });
      for (const transition of transitions) process.stdout.write(`${formatTransition(transition)}\n`);
      if (!options.check) return;
      const observed = observedTransitions(recording);
      const problems = compareTransitions(transitions, observed);
      if (problems.length === 0) {
        process.stderr.write(
          `podwarden replay: the ${observed.length} transitions match what the recorded session observed\n`,
        );
        return;
      }
      for (const problem of problems) process.stderr.write(`podwarden replay: ${problem}\n`);
      process.exitCode = 1;
    });
}
