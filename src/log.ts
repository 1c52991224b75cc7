import { pino, type Logger as PinoLogger } from 'pino';

export type Logger = PinoLogger;

/**
 * Paths pino blanks out wherever they appear: container env and anything that looks like a
 * credential. Effects never log env, this is the second line of defence.
 */
export const REDACTED_PATHS = [
  'env',
  '*.env',
  '*.*.env',
  'password',
  '*.password',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'authorization',
  '*.authorization',
];

export function createLogger(options: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  return pino(
    {
      name: 'podwarden',
      level: options.level ?? process.env.PODWARDEN_LOG_LEVEL ?? 'info',
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    },
    options.destination ?? process.stderr,
  );
}

/** For library users and tests that want podwarden silent. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
