import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { PodwardenError } from '../podwarden-error.js';
import { validationWords } from './validation-words.js';

/** Every error the API answers with: `{ "error": { "code", "message" } }`. */
export interface ApiErrorBody {
  error: { code: string; message: string };
}

export function errorBody(code: string, message: string): ApiErrorBody {
  return { error: { code, message } };
}

const PODWARDEN_STATUS: Record<PodwardenError['code'], number> = {
  'not-found': 404,
  'not-started': 503,
  invalid: 409,
  // The owner's command could not be written to disk (a full disk, say): nothing changed.
  unsaved: 507,
  'has-dependents': 409,
  // Applied, but what it asked for cannot happen (a dependency missing, the app failed).
  'not-reached': 409,
  'timed-out': 504,
};

/** Maps what a route threw to a status and a JSON body; never lets a bad request crash the daemon. */
export function handleApiError(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): void {
  if (error instanceof PodwardenError) {
    void reply.code(PODWARDEN_STATUS[error.code]).send(errorBody(error.code, error.message));
    return;
  }
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    void reply.code(400).send(errorBody('bad-request', validationWords(fastifyError, request)));
    return;
  }
  const status = fastifyError.statusCode ?? 500;
  if (status >= 500) request.log.error({ err: error.message }, 'API request failed');
  const code =
    status === 413
      ? 'body-too-large'
      : status === 415
        ? 'unsupported-media-type'
        : status >= 500
          ? 'internal'
          : 'bad-request';
  void reply.code(status).send(errorBody(code, error.message));
}
