import fc from 'fast-check';
import { expect } from 'vitest';

/**
 * How long the property-based fuzzing runs. In CI (`npm test`): a fixed seed and a fixed number
 * of inputs, the same every run. `npm run fuzz` sets FUZZ_SECONDS (and no seed, or FUZZ_SEED to
 * repeat one) for a long run. Each file prints how many inputs it tried, in how long, with
 * which seed, so a failure found in a long run can be replayed.
 */
export interface FuzzSettings {
  parameters: fc.Parameters<unknown>;
  describe: string;
}

export const CI_SEED = 20_261_205;

export function fuzzSettings(ciRuns: number): FuzzSettings {
  const seconds = Number(process.env.FUZZ_SECONDS ?? 0);
  const seed =
    process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : seconds > 0 ? Date.now() % 2 ** 31 : CI_SEED;
  const parameters: fc.Parameters<unknown> =
    seconds > 0
      ? {
          seed,
          numRuns: Number.MAX_SAFE_INTEGER,
          interruptAfterTimeLimit: seconds * 1000,
          markInterruptAsFailure: false,
        }
      : { seed, numRuns: Number(process.env.FUZZ_RUNS ?? ciRuns) };
  return { parameters, describe: seconds > 0 ? `for ${seconds} s` : `${parameters.numRuns} inputs` };
}

/** Runs the property, fails the test with fast-check's report (seed, path, counterexample), and prints what was tried. */
export async function fuzz<T>(
  name: string,
  property: fc.IAsyncPropertyWithHooks<T> | fc.IAsyncProperty<T>,
  settings: FuzzSettings,
): Promise<void> {
  const started = performance.now();
  const details = await fc.check(property, settings.parameters as fc.Parameters<T>);
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `fuzz ${name}: ${details.numRuns} inputs in ${seconds.toFixed(1)} s (seed ${details.seed}${details.interrupted ? ', stopped by the time limit' : ''})`,
  );
  const cause =
    details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance ?? '');
  expect(details.failed, `${fc.defaultReportMessage(details) ?? ''}\n${cause}`).toBe(false);
}
