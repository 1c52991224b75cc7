import { systemClock, type Clock } from '../domain/clock.js';
import { LABELS } from '../domain/labels.js';
import type { ContainerObservation } from '../domain/container-observation.js';
import type { EnginePort } from '../engine/port.js';
import type { Logger } from '../log.js';
import type { Journal } from './journal.js';
import type { IntentRecord, JournaledFile, JournalRecord } from './records.js';

/** Intents whose step never reported back: podwarden died (or was killed) while it ran. */
export function unfinishedIntents(records: readonly JournalRecord[]): IntentRecord[] {
  const answered = new Set<number>();
  for (const record of records) if (record.type === 'outcome') answered.add(record.intent);
  return records.filter((record): record is IntentRecord => record.type === 'intent' && !answered.has(record.seq));
}

/** What the engine shows now of what an open intent was about. */
export interface RecoveryFacts {
  /** The intent's container (by id, else by name), or null when there is none. */
  container: ContainerObservation | null;
  /** Whether the intent's image is in the engine's storage (pull/build intents). */
  imagePresent: boolean;
}

export interface RecoveryVerdict {
  /** Whether the step's effect is in place now. */
  ok: boolean;
  containerId?: string;
  /** What podwarden does about it, in words for the journal and the log. */
  recovered: string;
}

/**
 * Pure: how an intent left open by a crash is finished or rolled back. Every step is
 * idempotent and the next pass re-decides from what the engine shows, so nothing is redone
 * here; the verdict closes the intent and says what the next pass will find.
 */
export function recoveryVerdict(intent: IntentRecord, facts: RecoveryFacts, instance: string): RecoveryVerdict {
  const container = facts.container;
  const ours = container !== null && container.labels[LABELS.owner] === instance;
  switch (intent.step) {
    case 'create':
      return ours
        ? {
            ok: true,
            containerId: container.id,
            recovered: `the container ${container.name} was made; adopted as it is`,
          }
        : { ok: false, recovered: 'no container was made; the next pass creates it' };
    case 'pull':
    case 'build':
      return facts.imagePresent
        ? { ok: true, recovered: `image ${intent.image ?? ''} is present` }
        : {
            ok: false,
            recovered: `image ${intent.image ?? ''} is not present; the next pass ${intent.step}s it again`,
          };
    case 'start':
      return ours && container.status === 'running'
        ? { ok: true, containerId: container.id, recovered: 'the container is running' }
        : { ok: false, recovered: `the container is ${container ? container.status : 'gone'}; the next pass decides` };
    case 'stop':
      return ours && container.status !== 'running'
        ? { ok: true, containerId: container.id, recovered: `the container is ${container.status}` }
        : { ok: false, recovered: `the container is ${container ? container.status : 'gone'}; the next pass decides` };
    case 'remove':
      return container === null
        ? { ok: true, recovered: 'the container is gone' }
        : { ok: false, recovered: `the container is still there (${container.status}); the next pass decides` };
    case 'render':
      return { ok: false, recovered: renderRecovery(intent) };
    default:
      return { ok: false, recovered: `step ${intent.step} was cut short; the next pass does it again` };
  }
}

/** A render is recovered by rendering again: each file was replaced atomically, so none is half-written. */
function renderRecovery(intent: IntentRecord): string {
  const paths = (intent.files ?? []).map((file) => file.path);
  const which = paths.length === 0 ? 'its files' : paths.join(', ');
  return (
    `re-render: ${which} ${paths.length === 1 ? 'was' : 'were'} written atomically, so each holds its old or its new content, never a mix; ` +
    'the next render writes what is still old, and a running app restarts once so it reads them'
  );
}

/**
 * Apps whose render a crash cut short, with the files it was writing (the newest such render
 * per app): their next render makes a running app read its files again.
 */
export function rendersCutShort(records: readonly JournalRecord[]): Map<string, JournaledFile[]> {
  const cut = new Map<string, JournaledFile[]>();
  for (const intent of unfinishedIntents(records)) {
    if (intent.step === 'render') cut.set(intent.appId, intent.files ?? []);
  }
  return cut;
}

/**
 * The journal at boot, read and made whole: opened (undefined when it is off), every intent a
 * crash left open closed (`recoverOpenIntents`), and the renders it cut short named for the
 * effects that redo them.
 */
export async function recoverJournalAtBoot(
  journal: Journal | undefined,
  options: { engine: EnginePort; instance: string; logger: Logger; clock?: Clock },
): Promise<{ records: JournalRecord[]; cutShort: Map<string, JournaledFile[]> }> {
  if (!journal) return { records: [], cutShort: new Map() };
  const records = await journal.open();
  const cutShort = rendersCutShort(records);
  await recoverOpenIntents({ journal, records, ...options });
  return { records, cutShort };
}

/**
 * At boot, before the supervisor's recovery gate: closes every intent a crash left open with
 * a `recovered` outcome. An engine that does not answer leaves them open for the next boot
 * (the passes re-decide anyway).
 */
export async function recoverOpenIntents(options: {
  journal: Journal;
  records: readonly JournalRecord[];
  engine: EnginePort;
  instance: string;
  logger: Logger;
  /** Dates the `recovered` outcomes; default the system clock. */
  clock?: Clock;
}): Promise<number> {
  const open = unfinishedIntents(options.records);
  let closed = 0;
  for (const intent of open) {
    try {
      const facts = await factsFor(options.engine, intent);
      const verdict = recoveryVerdict(intent, facts, options.instance);
      await options.journal.append({
        type: 'outcome',
        at: (options.clock ?? systemClock).now(),
        appId: intent.appId,
        step: intent.step,
        intent: intent.seq,
        ok: verdict.ok,
        recovered: verdict.recovered,
        ...(verdict.containerId ? { containerId: verdict.containerId } : {}),
      });
      options.logger.info(
        { app: intent.appId, step: intent.step, intent: intent.seq, ok: verdict.ok },
        `journal: ${intent.step} of ${intent.appId} was in flight when podwarden stopped: ${verdict.recovered}`,
      );
      closed += 1;
    } catch (error) {
      options.logger.warn(
        { app: intent.appId, step: intent.step, err: error instanceof Error ? error.message : String(error) },
        'journal: cannot check an interrupted step now; the next boot tries again',
      );
    }
  }
  return closed;
}

async function factsFor(engine: EnginePort, intent: IntentRecord): Promise<RecoveryFacts> {
  const container =
    (intent.containerId ? await engine.inspect(intent.containerId) : null) ??
    (intent.containerName ? await engine.inspect(intent.containerName) : null);
  const imagePresent =
    (intent.step === 'pull' || intent.step === 'build') && intent.image
      ? await engine.imageExists(intent.image)
      : false;
  return { container, imagePresent };
}
