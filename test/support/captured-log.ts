import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/log.js';

/**
 * A debug-level podwarden logger whose JSON lines are kept in memory: for tests that check what
 * is logged, and above all what never is (a secret).
 */
export function capturedLog(): { logger: Logger; text: () => string } {
  let text = '';
  const logger = createLogger({
    level: 'debug',
    destination: new Writable({
      write(chunk, _encoding, done) {
        text += String(chunk);
        done();
      },
    }),
  });
  return { logger, text: () => text };
}
