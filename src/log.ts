import { createRequire } from 'node:module';
import { pino, type Logger as PinoLogger } from 'pino';
import type PinoPretty from 'pino-pretty';

// The pretty printer (~30 modules) is loaded only for the format that uses it: a service logs JSON.
const require = createRequire(import.meta.url);

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

/** `json`: one JSON object per line (for journald, files, log shippers); `pretty`: for a person at a terminal. */
export type LogFormat = 'json' | 'pretty';

/** Pretty on a terminal, JSON otherwise. */
export function defaultLogFormat(stream: { isTTY?: boolean } = process.stderr): LogFormat {
  return stream.isTTY ? 'pretty' : 'json';
}

/** pino's `err` field as one line: `Error: message`, no stack (pino-pretty always prints it on a line of its own). */
function oneLineError(value: unknown): string {
  if (value && typeof value === 'object') {
    const { type, message } = value as { type?: unknown; message?: unknown };
    if (typeof message === 'string')
      return `${typeof type === 'string' ? `${type}: ` : ''}${message.replace(/\s*\n\s*/g, ' ')}`;
  }
  return typeof value === 'string' ? value.replace(/\s*\n\s*/g, ' ') : JSON.stringify(value);
}

export function createLogger(
  options: { level?: string; destination?: NodeJS.WritableStream; format?: LogFormat } = {},
): Logger {
  const destination = options.destination ?? process.stderr;
  const format = options.format ?? (options.destination ? 'json' : defaultLogFormat());
  return pino(
    {
      name: 'podwarden',
      level: options.level ?? process.env.PODWARDEN_LOG_LEVEL ?? 'info',
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    },
    // Redaction happens before the pretty printer sees the record, so it holds in both formats.
    // One line per event on a terminal: fields inline (`singleLine`, `error` among them); pino's `err`,
    // which pino-pretty always puts on a line of its own, is one line too (the JSON format keeps its stack).
    format === 'pretty'
      ? (require('pino-pretty') as typeof PinoPretty)({
          destination,
          colorize: true,
          sync: true,
          singleLine: true,
          errorLikeObjectKeys: [],
          customPrettifiers: { err: oneLineError },
        })
      : destination,
  );
}

/** For library users and tests that want podwarden silent. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
