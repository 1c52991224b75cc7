/** Failures of Docker-compatible API calls (docker-modem errors) → EngineError. */
import { EngineError, type EngineErrorCode } from '../../domain/engine-error.js';
import { DISK_FULL } from './pull-failure.js';
import { num, record, str } from './raw-json.js';

/** What an API call was doing, for error messages. */
export interface CallContext {
  socketPath: string;
  /** e.g. `start of container web`. */
  action: string;
}

const TRANSPORT_CODES = new Set([
  'ENOENT',
  'ECONNREFUSED',
  'EACCES',
  'EPERM',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTSOCK',
  'ECONNABORTED',
  'EHOSTUNREACH',
  'ABORT_ERR',
  'UND_ERR_SOCKET',
]);

/** The engine's own words from a docker-modem error: its JSON `message`/`cause`, else the text. */
export function engineMessageOf(err: unknown): string {
  const rec = record(err);
  const json = record(rec?.json);
  const message = str(json?.message) ?? str(json?.cause);
  if (message !== undefined) return message.trim();
  if (err instanceof Error) {
    // docker-modem: "(HTTP code 404) no such container - <engine message> ".
    const m = /^\(HTTP code \d+\) [^-]*- (.*)$/s.exec(err.message);
    return (m?.[1] ?? err.message).trim();
  }
  return String(err);
}

export function httpStatusOf(err: unknown): number | undefined {
  return num(record(err)?.statusCode);
}

/**
 * Any failure of an API call → EngineError. Transport failures (socket missing, refused,
 * permission, reset, timeout) are 'unreachable'; HTTP answers are classified by status and by
 * the engine's message, since podman answers 500 for several things Docker gives codes to.
 */
export function toEngineError(err: unknown, ctx: CallContext): EngineError {
  if (err instanceof EngineError) return err;
  const rec = record(err);
  const status = httpStatusOf(err);
  if (status === undefined) {
    const code = str(rec?.code);
    const name = str(rec?.name);
    if (name === 'AbortError' || name === 'TimeoutError' || code === 'ABORT_ERR') {
      return new EngineError(
        'unreachable',
        `${ctx.action}: the engine at ${ctx.socketPath} did not answer in time`,
        err,
      );
    }
    if ((code !== undefined && TRANSPORT_CODES.has(code)) || /socket hang up/i.test(String(rec?.message))) {
      return new EngineError(
        'unreachable',
        `${ctx.action}: the engine at ${ctx.socketPath} is unreachable (${code ?? engineMessageOf(err)})`,
        err,
      );
    }
    return new EngineError('engine', `${ctx.action}: ${engineMessageOf(err)}`, err);
  }
  const message = engineMessageOf(err);
  let code: EngineErrorCode;
  if (DISK_FULL.test(message)) code = 'disk-full';
  else if (/address already in use|port is already allocated/i.test(message)) code = 'port-in-use';
  else if (isNameConflict(err)) code = 'name-conflict';
  else if (isMissingImage(err)) code = 'image-not-found';
  else if (status === 404) code = 'not-found';
  // podman answers a start of a container removed under it with 500 "does not exist in database".
  else if (/no such container|does not exist in database/i.test(message)) code = 'not-found';
  else code = 'engine';
  return new EngineError(code, `${ctx.action}: engine answered ${status}: ${message}`, err);
}

/** Podman answers a taken name with 500 (Docker with 409); both say "already in use". */
export function isNameConflict(err: unknown): boolean {
  const status = httpStatusOf(err);
  const message = engineMessageOf(err);
  // Docker: 'Conflict. The container name "/x" is already in use by container "…"'.
  // podman: 'the container name "x" is already in use by …: that name is already in use'.
  return (
    (status === 409 || status === 500) &&
    /container name .* is already in use|that name is already in use/i.test(message)
  );
}

/** A create that failed because its image is not in local storage (create never pulls). */
export function isMissingImage(err: unknown): boolean {
  const status = httpStatusOf(err);
  return (
    (status === 404 || status === 500) &&
    /image not known|no such image|image .* not found|unable to find image/i.test(engineMessageOf(err))
  );
}
