import { InvalidArgumentError } from 'commander';

/**
 * An option's parser whose refusal is a usage error: commander prints it beside the option
 * and the CLI exits 2 (a plain Error thrown from a parser escaped as a failure, exit 1).
 */
export function usageParser<T>(parse: (value: string) => T): (value: string) => T {
  return (value: string) => {
    try {
      return parse(value);
    } catch (error) {
      throw new InvalidArgumentError(error instanceof Error ? error.message : String(error));
    }
  };
}

/** A whole number within bounds, or a usage error naming the option and what it wants. */
export function wholeNumber(flag: string, min: number, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return usageParser((value: string) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      const range = max !== Number.MAX_SAFE_INTEGER ? ` from ${min} to ${max}` : min > 0 ? ` of at least ${min}` : '';
      throw new Error(`${flag} wants a whole number${range}, got "${value}"`);
    }
    return n;
  });
}
