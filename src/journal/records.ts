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

// Checked by hand, not with the schema library: the journal is podwarden's own writing, read
// at every boot, and the daemon's main thread stays free of zod (~3 MiB kept for good).

type Check = (value: unknown) => boolean;
type Fields = Record<string, { check: Check; optional?: true; pick?: (value: unknown) => unknown }>;

const isString: Check = (value) => typeof value === 'string';
const isNumber: Check = (value) => typeof value === 'number' && Number.isFinite(value);
const isInteger: Check = (value) => Number.isSafeInteger(value);
const isBoolean: Check = (value) => typeof value === 'boolean';
const optional = (check: Check) => ({ check, optional: true as const });

/** An object with these fields, keeping only them (a later podwarden's extra fields are dropped). */
function pickFields(fields: Fields, value: unknown): Record<string, unknown> | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(fields)) {
    const item = source[key];
    if (item === undefined) {
      if (field.optional) continue;
      return undefined;
    }
    if (!field.check(item)) return undefined;
    out[key] = field.pick ? field.pick(item) : item;
  }
  return out;
}

function objectOf(fields: Fields) {
  return {
    check: (value: unknown) => pickFields(fields, value) !== undefined,
    pick: (value: unknown) => pickFields(fields, value),
  };
}

const causeFields = objectOf({ reason: { check: isString }, trigger: { check: isString } });
const fileFields: Fields = { path: { check: isString }, change: { check: isString } };
const files = {
  check: (value: unknown) => Array.isArray(value) && value.every((item) => pickFields(fileFields, item) !== undefined),
  pick: (value: unknown) => (value as unknown[]).map((item) => pickFields(fileFields, item)),
  optional: true as const,
};
const base: Fields = { seq: { check: isInteger }, at: { check: isNumber }, appId: { check: isString } };

const RECORD_FIELDS: Record<JournalRecord['type'], Fields> = {
  intent: {
    ...base,
    step: { check: isString },
    image: optional(isString),
    containerName: optional(isString),
    containerId: optional(isString),
    files,
    cause: causeFields,
  },
  outcome: {
    ...base,
    step: { check: isString },
    intent: { check: isInteger },
    ok: { check: isBoolean },
    containerId: optional(isString),
    error: optional(isString),
    recovered: optional(isString),
  },
  command: {
    ...base,
    command: { check: isString },
    note: optional(isString),
    outcome: optional((value) => value === 'applied' || value === 'refused'),
    error: optional(isString),
  },
};

/**
 * One NDJSON line → a record, or undefined: a crash can tear the last line, and a later
 * podwarden may write fields this one does not know (they are dropped, the record kept).
 */
export function parseRecord(line: string): JournalRecord | undefined {
  if (line.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  const type = (value as { type?: unknown } | null)?.type;
  if (type !== 'intent' && type !== 'outcome' && type !== 'command') return undefined;
  const fields = pickFields(RECORD_FIELDS[type], value);
  return fields === undefined ? undefined : ({ type, ...fields } as unknown as JournalRecord);
}
