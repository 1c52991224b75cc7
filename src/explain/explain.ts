import { RERENDER_TRIGGER } from '../../machines/step-cause.js';
import type { JournalDamage } from '../journal/journal-file.js';
import type { CommandRecord, IntentRecord, JournaledFile, JournalRecord, OutcomeRecord } from '../journal/records.js';
import { reasonClause, triggerWords } from './cause-words.js';
import { clock } from './clock.js';
import { mergeRepeats, sayErrorsOnce, type HistoryLine } from './history-repeats.js';
import { missingHistory } from './missing-history.js';
import { stateSentence } from './state-words.js';

export { clock } from './clock.js';
import { updateStory } from './update-story.js';
import type { AppStatus } from '../status-rows.js';

/** What `explain` knows of an app right now (the status row's fields it uses). */
export interface ExplainedApp {
  appId: string;
  state: string;
  desired: string;
  reason: string;
  failures: number;
  failure?: string;
  /** ms since epoch of its last state change, when known. */
  since?: number;
  /** In backoff: when it tries again (ms since epoch). */
  retryAt?: number;
  /** Host rights the owner's policy gives it, with their rules. */
  rights?: string[];
  /** An update under way and how the last one ended (update-story.ts). */
  update?: AppStatus['update'];
  lastUpdate?: AppStatus['lastUpdate'];
}

export interface Explanation {
  appId: string;
  /** One sentence: where the app is and why. */
  summary: string;
  /** What podwarden did about it, newest first, one sentence each. */
  history: string[];
  /** summary and history as one answer. */
  text: string;
  /** Set when the journal has holes: its history may be incomplete. */
  missing?: string;
}

const MAX_HISTORY = 12;

/**
 * Pure: a plain-words answer to "why is this app in this state and what did podwarden do
 * about it", from its status and its journal records (oldest first). Reasons (decision table
 * words, failed steps, probe failures) are quoted as the machine wrote them. When the journal
 * has holes (`damage`, gaps in record numbers) the answer says its history may be incomplete.
 */
export function explainApp(
  app: ExplainedApp | undefined,
  appId: string,
  records: readonly JournalRecord[],
  damage?: JournalDamage,
  now: number = Date.now(),
): Explanation {
  const own = records.filter((record) => record.appId === appId);
  const outcomes = new Map<number, OutcomeRecord>();
  for (const record of own) if (record.type === 'outcome') outcomes.set(record.intent, record);
  const lines: HistoryLine[] = [];
  for (const record of [...own].reverse()) {
    if (record.type === 'command') lines.push({ at: record.at, text: commandSentence(record) });
    else if (record.type === 'intent')
      lines.push({ at: record.at, text: intentSentence(record, outcomes.get(record.seq)) });
  }
  const errors = [...outcomes.values()].flatMap((outcome) => (outcome.error ? [outcome.error] : []));
  for (const words of [app?.reason, app?.failure]) {
    const message = words ? /^\w+ failed: (.+)$/.exec(words)?.[1] : undefined;
    if (message) errors.push(message);
  }
  const [summary = '', ...history] = sayErrorsOnce(
    [summaryOf(app, appId, now), ...mergeRepeats(lines).slice(0, MAX_HISTORY)],
    errors,
  );
  const missing = missingHistory(records, damage);
  const told =
    history.length === 0
      ? `${summary} The journal has nothing on it yet.`
      : `${summary} ${history[0]}${history.length > 1 ? ` Before that: ${history.slice(1).map(lowerFirst).join('; ')}` : ''}`;
  const text = missing ? `${told} ${missing}` : told;
  return { appId, summary, history, text, ...(missing ? { missing } : {}) };
}

/** `12 s`, `3 min 20 s`: how long until a retry, in the units a person counts. */
function inWords(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 120) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  return seconds % 60 === 0 ? `${minutes} min` : `${minutes} min ${seconds % 60} s`;
}

function summaryOf(app: ExplainedApp | undefined, appId: string, now: number): string {
  if (!app) return `${appId} is not installed.`;
  const since = app.since === undefined ? undefined : `${clock(app.since)} UTC`;
  // A failure that begins with the reason is said once, after `last:`.
  const told = app.failures > 0 && app.failure !== app.reason && app.failure?.startsWith(app.reason);
  const why = app.reason && app.reason !== app.state && !told ? ` (${app.reason})` : '';
  let summary = `${appId} ${stateSentence(app.state, since)}${why}.`;
  if (app.retryAt !== undefined) {
    summary +=
      app.retryAt > now
        ? ` Next try in ${inWords(app.retryAt - now)}, at ${clock(app.retryAt)} UTC.`
        : ' It tries again now.';
  }
  if (app.desired === 'stopped') summary += ' The owner stopped it.';
  if (app.failures > 0) {
    summary += ` It failed ${app.failures === 1 ? 'once' : `${app.failures} times in a row`}${app.failure && app.failure !== app.reason ? `; last: ${app.failure}` : ''}.`;
  }
  const story = updateStory(appId, app);
  if (story) summary += ` ${story}`;
  if (app.rights && app.rights.length > 0)
    summary += ` It runs with host rights the owner's policy gives it: ${app.rights.join('; ')}.`;
  return summary;
}

const COMMAND_WORDS: Record<string, string> = {
  install: 'the owner installed it',
  move: 'the owner moved it to another manifest file',
  uninstall: 'the owner uninstalled it',
  start: 'the owner started it',
  stop: 'the owner stopped it',
  restart: 'the owner restarted it',
  adopt: 'the owner adopted its container as installed',
  update: 'the owner asked for an update',
  rollback: 'the owner rolled back its last update',
};

function commandSentence(record: CommandRecord): string {
  const note = record.note ? ` ("${record.note}")` : '';
  if (record.outcome === 'refused') {
    // Refused commands changed nothing: say what was asked, and why it did not happen.
    return `At ${clock(record.at)} the owner asked to ${record.command} it${note}; refused, nothing changed: ${record.error ?? 'unknown error'}.`;
  }
  const words = COMMAND_WORDS[record.command] ?? `the owner asked to ${record.command} it`;
  return `At ${clock(record.at)} ${words}${note}.`;
}

function stepWords(intent: IntentRecord): { done: string; doing: string } {
  switch (intent.step) {
    case 'pull':
      return { done: `Pulled image ${intent.image ?? ''}`, doing: `pull image ${intent.image ?? ''}` };
    case 'build':
      return { done: `Built image ${intent.image ?? ''}`, doing: `build image ${intent.image ?? ''}` };
    case 'create':
      return {
        done: `Created container ${intent.containerName ?? ''}`,
        doing: `create container ${intent.containerName ?? ''}`,
      };
    case 'start':
      return { done: 'Started the container', doing: 'start the container' };
    case 'stop':
      return { done: 'Stopped the container', doing: 'stop the container' };
    case 'remove':
      return isRecreate(intent)
        ? { done: 'Removed the container to recreate it', doing: 'remove the container to recreate it' }
        : { done: 'Removed the container', doing: 'remove the container' };
    default:
      return { done: `Did ${intent.step}`, doing: intent.step };
  }
}

/** A remove for anything but an uninstall is the first half of a recreate. */
function isRecreate(intent: IntentRecord): boolean {
  return intent.cause.reason !== 'app is not installed';
}

function because(intent: IntentRecord): string {
  const trigger = intent.cause.trigger;
  const reason = intent.cause.reason ? reasonClause(intent.cause.reason) : '';
  // The later steps of one change (create and start after a pull) share its reason.
  if (trigger === 'previous step done' || trigger.startsWith('xstate.done.actor.'))
    return reason ? `, continuing (${reason})` : '';
  let source = triggerWords(trigger);
  // `because its container was paused outside podwarden (the container was paused outside podwarden at …)`: say it once.
  const event = source && /^the container (.+?)(?: at (\d\d:\d\d:\d\d))?$/.exec(source);
  if (event && reason.includes(event[1]!)) source = event[2] ? `at ${event[2]}` : undefined;
  return `${reason ? ` because ${reason}` : ''}${source ? ` (${source})` : ''}`;
}

const CHANGE_WORDS: Record<string, string> = {
  created: 'it did not exist yet',
  values: 'a value changed',
  template: 'its template changed',
  content: 'it no longer matched its template and values',
  mode: 'its permissions changed',
};

/** `a`, `a and b`, `a, b and c` */
function listed(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)!}`;
}

/**
 * A render is journaled only when it changes a file: which files, why, and (for the render a
 * pass runs while the container runs) that the app was restarted to read them.
 */
function renderSentence(intent: IntentRecord, outcome: OutcomeRecord | undefined): string {
  const files: readonly JournaledFile[] = intent.files ?? [];
  const paths = files.length === 0 ? 'its files' : listed(files.map((file) => file.path));
  const them = files.length === 1 ? 'it' : 'them';
  const at = clock(intent.at);
  const running = intent.cause.trigger === RERENDER_TRIGGER;
  const after = running
    ? `; restarted the app so it reads ${them}`
    : `, before starting the container${intent.cause.reason ? ` (${reasonClause(intent.cause.reason)})` : ''}`;
  if (files.some((file) => file.change === 'unread')) {
    const words = `${paths} may have been written just before podwarden stopped, unread by the app`;
    if (!outcome) return `Since ${at} it is checking ${paths}: ${words}.`;
    return `At ${at} ${words}${running ? '; restarted the app so it reads them' : ''}.`;
  }
  const why = listed([...new Set(files.map((file) => CHANGE_WORDS[file.change] ?? file.change))]);
  const reason = why ? ` because ${why}` : '';
  const verb = files.length > 0 && files.every((file) => file.change === 'created') ? 'wrote' : 'rewrote';
  if (!outcome) return `Since ${at} it is writing ${paths}${reason}.`;
  if (outcome.recovered)
    return `Began to write ${paths} at ${at}${reason} (podwarden was stopped during it; afterwards: ${outcome.recovered}).`;
  if (!outcome.ok) {
    const kept = running ? '; the app keeps running with the files it has' : '; the container was not started';
    return `Tried to write ${paths} at ${at}${reason}; it failed: ${outcome.error ?? 'it did not complete'}${kept}.`;
  }
  return `${verb.charAt(0).toUpperCase()}${verb.slice(1)} ${paths} at ${at}${reason}${after}.`;
}

function intentSentence(intent: IntentRecord, outcome: OutcomeRecord | undefined): string {
  if (intent.step === 'render') return renderSentence(intent, outcome);
  const words = stepWords(intent);
  const at = clock(intent.at);
  if (!outcome) return `Since ${at} it is trying to ${words.doing}${because(intent)}.`;
  const recovered = outcome.recovered ? ` (podwarden was stopped during it; afterwards: ${outcome.recovered})` : '';
  if (outcome.ok) return `${words.done} at ${at}${because(intent)}${recovered}.`;
  const failed = outcome.error ? `; it failed: ${outcome.error}` : '; it did not complete';
  return `Tried to ${words.doing} at ${at}${because(intent)}${outcome.recovered ? recovered : failed}.`;
}

function lowerFirst(sentence: string): string {
  const trimmed = sentence.endsWith('.') ? sentence.slice(0, -1) : sentence;
  return trimmed.charAt(0).toLowerCase() + trimmed.slice(1);
}
