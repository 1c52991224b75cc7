import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { chromium, type Browser } from 'playwright-core';

/** Debian's chromium: Playwright's own browser download needs the internet, which these machines lack. */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Installs chromium when it is missing (scripts/ensure-browser.sh: apt, once, ~1 minute), so a
 * fresh machine needs nothing done by hand before the browser test.
 */
export async function ensureChromium(): Promise<void> {
  if (existsSync(CHROMIUM)) return;
  await promisify(execFile)('bash', ['scripts/ensure-browser.sh'], { maxBuffer: 16 * 1024 * 1024 });
}

/** A headless chromium that reaches nothing but what a test points it at. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}
