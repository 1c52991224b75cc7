import { readFile } from 'node:fs/promises';
import * as z from 'zod';
import {
  COMMAND_NAMES,
  RECORDING_VERSION,
  type HeaderRecord,
  type Numbered,
  type Recording,
  type TimedRecord,
} from './records.js';

/** A recording that cannot be read: names the file and, where one is to blame, the line. */
export class RecordingFormatError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    detail: string,
  ) {
    super(`${file}${line === undefined ? '' : `:${line}`}: ${detail}`);
    this.name = 'RecordingFormatError';
  }
}

const offset = z.number().finite().nonnegative();
const recordedError = z.object({ name: z.string(), code: z.string().optional(), message: z.string() });
const labels = z.record(z.string(), z.string());
const catalogSnapshot = z.record(z.string(), z.string().nullable());

const headerSchema = z.object({
  kind: z.literal('header'),
  version: z.literal(RECORDING_VERSION),
  startedAt: z.number().finite(),
  options: z.object({
    intervalMs: z.number().positive().optional(),
    backoff: z
      .object({
        initialMs: z.number().optional(),
        factor: z.number().optional(),
        maxMs: z.number().optional(),
        resetAfterMs: z.number().optional(),
        jitter: z.number().optional(),
        budget: z.object({ restarts: z.number(), windowMs: z.number() }).optional(),
      })
      .optional(),
    instance: z.string().optional(),
    namePrefix: z.string().optional(),
    gate: z.object({ holdForEmbedder: z.boolean().optional(), capMs: z.number().optional() }).optional(),
    insecureRegistries: z.array(z.string()).optional(),
    imageHealthchecks: z.enum(['auto', 'podwarden', 'engine']).optional(),
  }),
  catalog: catalogSnapshot,
  desired: z.string().nullable(),
});

// Payloads stay loose (they are what the engine said, passed on as they are); the envelope is strict.
const timedSchema = z.discriminatedUnion('kind', [
  z.object({
    t: offset,
    kind: z.literal('call'),
    seq: z.number().int().positive(),
    method: z.string().min(1),
    args: z.array(z.unknown()),
    calledAt: offset,
    result: z.unknown().optional(),
    error: recordedError.optional(),
    unanswered: z.literal(true).optional(),
  }),
  z.object({ t: offset, kind: z.literal('subscribe'), stream: z.number().int().positive(), labels }),
  z.object({
    t: offset,
    kind: z.literal('event'),
    stream: z.number().int().positive(),
    event: z.looseObject({ kind: z.enum(['connected', 'container']) }),
  }),
  z.object({ t: offset, kind: z.literal('stream-error'), stream: z.number().int().positive(), error: recordedError }),
  z.object({ t: offset, kind: z.literal('stream-end'), stream: z.number().int().positive() }),
  z.object({
    t: offset,
    kind: z.literal('command'),
    seq: z.number().int().positive(),
    name: z.enum(COMMAND_NAMES),
    appId: z.string().optional(),
    calledAt: offset,
    catalog: catalogSnapshot.optional(),
  }),
  z.object({ t: offset, kind: z.literal('command-error'), seq: z.number().int().positive(), message: z.string() }),
  z.object({
    t: offset,
    kind: z.literal('observed-transition'),
    appId: z.string(),
    from: z.string().nullable(),
    to: z.string(),
    reason: z.string(),
    failures: z.number(),
  }),
  z.object({ t: offset, kind: z.literal('end') }),
]);

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}

function parseLine(file: string, line: number, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new RecordingFormatError(file, line, `not a JSON line (${(error as Error).message})`);
  }
}

/** Parses a recording's text; `file` names it in errors. */
export function parseRecording(file: string, text: string): Recording {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  if (lines.length === 0) throw new RecordingFormatError(file, undefined, 'the recording is empty');

  const head = headerSchema.safeParse(parseLine(file, 1, lines[0]!));
  if (!head.success) {
    throw new RecordingFormatError(
      file,
      1,
      `not a version ${RECORDING_VERSION} recording header: ${describeIssues(head.error)}`,
    );
  }
  const header = head.data as HeaderRecord;

  const records: Numbered[] = [];
  let last = 0;
  for (let index = 1; index < lines.length; index += 1) {
    const line = index + 1;
    const text = lines[index]!;
    if (text.trim() === '') continue;
    const parsed = timedSchema.safeParse(parseLine(file, line, text));
    if (!parsed.success)
      throw new RecordingFormatError(file, line, `not a valid record: ${describeIssues(parsed.error)}`);
    const record = parsed.data as TimedRecord;
    // The replay feeds inputs in file order on one clock: a step back in time means a broken file.
    if (record.t < last) {
      throw new RecordingFormatError(file, line, `t ${record.t} is earlier than the line before it (${last})`);
    }
    last = record.t;
    records.push({ line, record });
  }
  if (!records.some(({ record }) => record.kind === 'command' && record.name === 'start')) {
    throw new RecordingFormatError(
      file,
      undefined,
      'the recording has no "start" command: it must be made from before podwarden starts',
    );
  }
  return { file, header, records };
}

export async function readRecording(file: string): Promise<Recording> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new RecordingFormatError(file, undefined, `cannot read the recording: ${(error as Error).message}`);
  }
  return parseRecording(file, text);
}
