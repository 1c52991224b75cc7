import { z } from 'zod';
import type { StepCause } from '../../machines/step-cause.js';

/** The steps the journal knows. Open: a new effect adds its name without touching this file. */
export type JournalStep = 'pull' | 'build' | 'create' | 'start' | 'stop' | 'remove' | 'render' | (string & {});

/**
 * A rendered file a `render` intent is about to write, by its path in the app's data dir and
 * why it changes (see FileChange in src/effects/render-files.ts; `unread` marks files a render
 * cut short by a crash may have written before the app read them). Never its content.
 */
export interface JournaledFile {
  path: string;
  change: string;
}

/** Appended before podwarden acts. Never holds env values or other secrets: only references. */
export interface IntentRecord {
  type: 'intent';
  seq: number;
  /** ms since epoch */
  at: number;
  appId: string;
  step: JournalStep;
  image?: string;
  containerName?: string;
  containerId?: string;
  /** `render` intents: the files it writes. */
  files?: JournaledFile[];
  cause: StepCause;
}

/** Appended after the step: what it made, or why it failed. `recovered` marks one written at boot for an intent left open by a crash. */
export interface OutcomeRecord {
  type: 'outcome';
  seq: number;
  at: number;
  appId: string;
  step: JournalStep;
  /** The intent's seq. */
  intent: number;
  ok: boolean;
  containerId?: string;
  error?: string;
  recovered?: string;
}

/**
 * An owner's command, so `explain` can say who asked. Written once its outcome is known:
 * `applied` when desired.json holds it (and the machines have it), `refused` with why when it
 * could not be saved, so nothing changed. Records of older podwardens have no outcome.
 */
export interface CommandRecord {
  type: 'command';
  seq: number;
  at: number;
  appId: string;
  command: string;
  note?: string;
  outcome?: 'applied' | 'refused';
  error?: string;
}

export type JournalRecord = IntentRecord | OutcomeRecord | CommandRecord;

type WithoutSeq<T> = T extends unknown ? Omit<T, 'seq'> : never;
export type NewJournalRecord = WithoutSeq<JournalRecord>;

const cause = z.object({ reason: z.string(), trigger: z.string() });
const base = { seq: z.number().int(), at: z.number(), appId: z.string() };

const recordSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('intent'),
    ...base,
    step: z.string(),
    image: z.string().optional(),
    containerName: z.string().optional(),
    containerId: z.string().optional(),
    files: z.array(z.object({ path: z.string(), change: z.string() })).optional(),
    cause,
  }),
  z.object({
    type: z.literal('outcome'),
    ...base,
    step: z.string(),
    intent: z.number().int(),
    ok: z.boolean(),
    containerId: z.string().optional(),
    error: z.string().optional(),
    recovered: z.string().optional(),
  }),
  z.object({
    type: z.literal('command'),
    ...base,
    command: z.string(),
    note: z.string().optional(),
    outcome: z.enum(['applied', 'refused']).optional(),
    error: z.string().optional(),
  }),
]);

/**
 * One NDJSON line → a record, or undefined: a crash can tear the last line, and a later
 * podwarden may write fields this one does not know (they are dropped, the record kept).
 */
export function parseRecord(line: string): JournalRecord | undefined {
  if (line.trim() === '') return undefined;
  try {
    const parsed = recordSchema.safeParse(JSON.parse(line));
    return parsed.success ? (parsed.data as JournalRecord) : undefined;
  } catch {
    return undefined;
  }
}
