import { formatSize } from './size.js';

/**
 * The message for a file over the size cap. Apart from the YAML text checks (manifest-text.ts)
 * so that reading a catalog folder does not load the YAML parser on the daemon's main thread.
 */
export function tooLarge(bytes: number, maxBytes: number): string {
  return `the file is ${formatSize(bytes)}; a manifest may be at most ${formatSize(maxBytes)} (--manifest-max-bytes), so it is not read`;
}
