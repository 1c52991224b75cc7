import { readFileSync } from 'node:fs';

// The payloads under test/engine/fixtures/ were captured from podman 4.3.1 by
// fixtures/capture.sh; the few Docker-shaped payloads written inline in the tests follow the
// Docker Engine API documentation.

export function fixture<T = unknown>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8')) as T;
}

/** The owner label value capture.sh gave every container it made. */
export const OWNER = 'fixture-capture';
