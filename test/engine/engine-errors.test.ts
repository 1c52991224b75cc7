import { describe, expect, it } from 'vitest';
import { isMissingImage, isNameConflict, toEngineError } from '../../src/engine/dockerode/engine-errors.js';
import { EngineError } from '../../src/domain/engine-error.js';
import { fixture } from './support/captured.js';

const SOCKET = '/run/podman/podman.sock';

/** An error shaped as docker-modem builds it from a non-2xx answer. */
function modemError(captured: { status: number; body: { message: string } }): Error {
  return Object.assign(new Error(`(HTTP code ${captured.status}) server error - ${captured.body.message} `), {
    statusCode: captured.status,
    json: captured.body,
    reason: 'server error',
  });
}

describe('toEngineError', () => {
  const ctx = { socketPath: SOCKET, action: 'start of container web' };

  it('classifies the answers podman gives', () => {
    const portError = toEngineError(modemError(fixture('error-start-port-in-use.json')), ctx);
    expect(portError.code).toBe('port-in-use');
    expect(portError.message).toBe(
      'start of container web: engine answered 500: cannot listen on the TCP port: listen tcp4 127.0.0.1:18399: bind: address already in use',
    );
    expect(toEngineError(modemError(fixture('error-container-missing.json')), ctx).code).toBe('not-found');
    expect(toEngineError(modemError(fixture('error-create-missing-image.json')), ctx).code).toBe('image-not-found');
    const conflict = modemError(fixture('error-create-name-conflict.json'));
    expect(isNameConflict(conflict)).toBe(true);
    expect(toEngineError(conflict, ctx).code).toBe('name-conflict');
    expect(isMissingImage(modemError(fixture('error-create-missing-image.json')))).toBe(true);
    expect(isMissingImage(modemError(fixture('error-container-missing.json')))).toBe(false);
    expect(isNameConflict(modemError(fixture('error-start-port-in-use.json')))).toBe(false);
  });

  it('recognises Docker’s 409 name conflict', () => {
    const docker = modemError({
      status: 409,
      body: {
        message:
          'Conflict. The container name "/web" is already in use by container "abc". You have to remove (or rename) that container to be able to reuse that name.',
      },
    });
    expect(toEngineError(docker, ctx).code).toBe('name-conflict');
  });

  it('calls transport failures unreachable and names the socket', () => {
    const enoent = Object.assign(new Error(`connect ENOENT ${SOCKET}`), { code: 'ENOENT', errno: -2 });
    const error = toEngineError(enoent, ctx);
    expect(error.code).toBe('unreachable');
    expect(error.message).toContain(SOCKET);
    expect(error.cause).toBe(enoent);
    for (const code of ['ECONNREFUSED', 'EACCES', 'ECONNRESET']) {
      expect(toEngineError(Object.assign(new Error(code), { code }), ctx).code).toBe('unreachable');
    }
    const aborted = Object.assign(new Error('The operation was aborted'), { name: 'AbortError', code: 'ABORT_ERR' });
    expect(toEngineError(aborted, ctx)).toMatchObject({ code: 'unreachable' });
    expect(toEngineError(aborted, ctx).message).toMatch(/did not answer in time/);
  });

  it('keeps an EngineError as it is and calls anything else an engine error', () => {
    const original = new EngineError('disk-full', 'x');
    expect(toEngineError(original, ctx)).toBe(original);
    expect(toEngineError(new Error('weird'), ctx)).toMatchObject({
      code: 'engine',
      message: 'start of container web: weird',
    });
  });
});
