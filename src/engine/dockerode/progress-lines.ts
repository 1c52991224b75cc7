/** Lines of pull and build progress streams → progress reports or failures. Pure. */
import type { EngineError } from '../../domain/engine-error.js';
import type { PullProgress } from '../port.js';
import { classifyBuildFailure, classifyPullFailure } from './pull-failure.js';
import { record, str, type Json } from './raw-json.js';

/**
 * One line of a pull stream → progress, an error, or null (nothing worth reporting).
 * Compat `/images/create` lines: `{status, id?, progress?}`; libpod `/libpod/images/pull`
 * lines: `{stream: "Copying blob sha256:..."}` and finally `{images: [...], id}`. Both send
 * failures as `{error: ...}` (sometimes with `errorDetail.message`) on an HTTP 200 stream.
 */
export function pullProgressFromLine(ref: string, raw: unknown): PullProgress | EngineError | null {
  const body = record(raw);
  if (!body) return null;
  const failure = errorTextOfLine(body);
  if (failure !== undefined) return classifyPullFailure(ref, failure);
  const status = str(body.status);
  if (status !== undefined) {
    const progress: PullProgress = { ref, status: status.trim() };
    const id = str(body.id);
    // The first compat line carries the tag as `id` ("Pulling from podwarden/httpd", id "1"):
    // only hex ids are layers.
    if (id !== undefined && /^[0-9a-f]{12,64}$/.test(id)) progress.layer = id;
    return progress;
  }
  const stream = str(body.stream)?.trim();
  if (stream !== undefined && stream !== '') {
    const progress: PullProgress = { ref, status: stream };
    const blob = /\bblob (?:sha256:)?([0-9a-f]{12,64})/.exec(stream);
    if (blob?.[1] !== undefined) progress.layer = blob[1].slice(0, 12);
    return progress;
  }
  const imageId = str(body.id);
  if (Array.isArray(body.images) && imageId !== undefined) {
    return { ref, status: `Pulled image ${imageId.slice(0, 12)}` };
  }
  return null;
}

/** One line of a build stream → progress (the builder's output), an error, or null. */
export function buildProgressFromLine(tag: string, context: string, raw: unknown): PullProgress | EngineError | null {
  const body = record(raw);
  if (!body) return null;
  const failure = errorTextOfLine(body);
  if (failure !== undefined) return classifyBuildFailure(tag, context, failure);
  const text = (str(body.stream) ?? str(body.status))?.trim();
  if (text === undefined || text === '') return null;
  return { ref: tag, status: text };
}

function errorTextOfLine(body: Json): string | undefined {
  const detail = str(record(body.errorDetail)?.message);
  const error = str(body.error);
  if (error !== undefined && error.trim() !== '') return error.trim();
  if (detail !== undefined && detail.trim() !== '') return detail.trim();
  return undefined;
}
