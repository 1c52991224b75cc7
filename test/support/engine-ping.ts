import { request } from 'node:http';

// Generous: a loaded machine may take seconds to answer; a missing engine fails at once anyway.
const TIMEOUT_MS = 15_000;

/** Resolves when the engine API on `socketPath` answers `GET /_ping` with OK. */
export function pingSocket(socketPath: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path: '/_ping', method: 'GET', timeout: TIMEOUT_MS }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => {
        if (res.statusCode === 200 && body.trim() === 'OK') {
          resolve();
        } else {
          reject(new Error(`GET /_ping answered ${res.statusCode}: ${body.trim().slice(0, 200)}`));
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** An error's message and its cause's, for a line that says why. */
export function reason(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
    return `${error.message}${cause}`;
  }
  return String(error);
}
