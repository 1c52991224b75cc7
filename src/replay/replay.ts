import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContainerSpec } from '../domain/container-spec.js';
import { silentLogger } from '../log.js';
import { inlineReader } from '../manifest/reader-thread.js';
import { createOrchestrator, type Orchestrator } from '../orchestrator.js';
import { writeCatalogSnapshot } from './catalog-snapshot.js';
import { formatOffset, ReplayDivergence } from './divergence.js';
import {
  aliasPaths,
  catalogSpecs,
  ORCHESTRATOR_NAMING_DEFAULTS,
  pathAliases,
  portableSpecHash,
  SpecHashTable,
  transformValue,
  unaliasPaths,
  type SpecContext,
} from './portable.js';
import { readRecording } from './read-recording.js';
import type { CommandRecord, Numbered, Recording } from './records.js';
import { ReplayEngine } from './replay-engine.js';
import type { ReplayedTransition } from './transition-report.js';
import { withVirtualClock, type VirtualClock } from './virtual-clock.js';

export interface ReplayOptions {
  /**
   * How far (ms) from its recorded time a call may come and still be the recorded call.
   * Live podwarden reacts a few ms after each input, the replay at once; more than this apart,
   * the replay took another path (or the recording lacks a line). Default 1000.
   */
  toleranceMs?: number;
}

const DEFAULT_TOLERANCE_MS = 1_000;
const INPUTS = new Set(['call', 'event', 'stream-error', 'stream-end', 'command']);

export async function replay(file: string, options: ReplayOptions = {}): Promise<ReplayedTransition[]> {
  return replayRecording(await readRecording(file), options);
}

/**
 * Feeds a recording back through podwarden's machines, wired as `createOrchestrator` wires them,
 * on virtual time: the recorded catalog and desired state in a temporary directory, every engine
 * answer and event at its recorded time, every command at its time. Resolves with the
 * transitions and their virtual times, the same on every run; rejects with a ReplayDivergence
 * where the replay stops fitting the recording.
 */
export async function replayRecording(
  recording: Recording,
  options: ReplayOptions = {},
): Promise<ReplayedTransition[]> {
  const { header } = recording;
  const root = await mkdtemp(join(tmpdir(), 'podwarden-replay-'));
  try {
    const dirs = { catalogDir: join(root, 'catalog'), stateDir: join(root, 'state'), dataDir: join(root, 'data') };
    await writeCatalogSnapshot(dirs.catalogDir, header.catalog);
    if (header.desired !== null) {
      await mkdir(dirs.stateDir, { recursive: true });
      await writeFile(join(dirs.stateDir, 'desired.json'), header.desired);
    }
    const aliases = pathAliases(dirs);
    const hashes = new SpecHashTable((spec) => portableSpecHash(spec, { aliases, redact: (value) => value }), 'keep');
    const specContext: SpecContext = {
      instance: header.options.instance ?? ORCHESTRATOR_NAMING_DEFAULTS.instance,
      namePrefix: header.options.namePrefix ?? ORCHESTRATOR_NAMING_DEFAULTS.namePrefix,
      dataDir: dirs.dataDir,
    };
    const learnCatalog = async () => {
      for (const spec of await catalogSpecs(dirs.catalogDir, specContext)) hashes.learn(spec);
    };
    await learnCatalog();

    const alias = aliasPaths(aliases);
    const unalias = unaliasPaths(aliases);
    return await withVirtualClock(header.startedAt, async (clock) => {
      let position: number | undefined;
      const engine = new ReplayEngine(recording, {
        now: () => clock.offset(),
        position: () => position,
        toleranceMs: options.toleranceMs ?? DEFAULT_TOLERANCE_MS,
        toRecorded: (value) =>
          transformValue(value, {
            string: alias,
            envValue: (text) => text,
            specHash: (hash) => hashes.toPortable(hash),
          }),
        fromRecorded: (value) =>
          transformValue(value, {
            string: unalias,
            envValue: (text) => text,
            specHash: (hash) => hashes.fromPortable(hash),
          }),
        learnSpec: (spec: ContainerSpec) => hashes.learn(spec),
      });
      const orchestrator = createOrchestrator({
        ...header.options,
        // Unset means `auto`: the live daemon asked the engine (a recorded ping). Recordings from
        // before the choice existed ran podwarden's own checks (podman 4.3) without asking.
        imageHealthchecks:
          header.options.imageHealthchecks ??
          (recording.records.some(({ record }) => record.kind === 'call' && record.method === 'ping')
            ? 'auto'
            : 'podwarden'),
        engine,
        // Every delay, tick, backoff and timestamp of the machines and effects: virtual time.
        clock,
        catalogDir: dirs.catalogDir,
        stateDir: dirs.stateDir,
        dataDir: dirs.dataDir,
        logger: silentLogger(),
        // Virtual time: the journal's real file I/O would not keep step with it, and it adds nothing to a replay.
        journal: false,
        // Nor would the reader thread's messages: a replay reads on its own thread, where nothing else waits.
        fileReader: inlineReader,
      });
      const transitions: ReplayedTransition[] = [];
      orchestrator.transitions$.subscribe((transition) =>
        transitions.push({
          ...transition,
          reason: alias(transition.reason),
          offsetMs: transition.at - header.startedAt,
        }),
      );
      await drive({
        recording,
        clock,
        engine,
        orchestrator,
        alias,
        catalogDir: dirs.catalogDir,
        learnCatalog,
        fed: (line) => {
          position = line;
        },
      });
      return transitions;
    });
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

interface Drive {
  recording: Recording;
  clock: VirtualClock;
  engine: ReplayEngine;
  orchestrator: Orchestrator;
  alias: (text: string) => string;
  catalogDir: string;
  learnCatalog: () => Promise<void>;
  /** Told the line of each input as it is fed. */
  fed: (line: number) => void;
}

/** The replay loop: each input at its recorded time, podwarden's own timers in between. */
async function drive({
  recording,
  clock,
  engine,
  orchestrator,
  alias,
  catalogDir,
  learnCatalog,
  fed,
}: Drive): Promise<void> {
  const failures = new Map<number, string>();
  const commands: Array<Numbered<CommandRecord>> = [];
  let stopped = false;
  const check = () => {
    engine.checkOverdue();
    if (engine.divergence) throw engine.divergence;
  };

  async function issue(record: CommandRecord): Promise<void> {
    if (record.name === 'reloadCatalog' && record.catalog) {
      // The reload reads what the owner had written by then: put it there first (virtual time stands still).
      await writeCatalogSnapshot(catalogDir, record.catalog);
      await learnCatalog();
    }
    const fail = (error: unknown) =>
      failures.set(record.seq, alias(error instanceof Error ? error.message : String(error)));
    const appId = record.appId ?? '';
    try {
      const run: Promise<unknown> | void = (() => {
        switch (record.name) {
          case 'start':
            return orchestrator.start();
          case 'stop':
            return orchestrator.stop().then(() => {
              stopped = true;
            });
          case 'install':
            return orchestrator.install(appId);
          case 'uninstall':
            return orchestrator.uninstall(appId);
          case 'startApp':
            return orchestrator.startApp(appId);
          case 'stopApp':
            return orchestrator.stopApp(appId);
          case 'restartApp':
            return orchestrator.restartApp(appId);
          case 'updateApp':
            return orchestrator.updateApp(appId);
          case 'rollbackApp':
            return orchestrator.rollbackApp(appId);
          case 'releaseGate':
            return orchestrator.releaseGate();
          case 'reloadCatalog':
            return orchestrator.reloadCatalog();
          case 'reconcileNow':
            return orchestrator.reconcileNow();
          case 'adopt':
            return orchestrator.adopt(record.appId ? record.appId.split(',') : undefined);
        }
      })();
      run?.catch(fail);
    } catch (error) {
      fail(error);
    }
  }

  let end: number | undefined;
  for (const numbered of recording.records) {
    const { record } = numbered;
    if (record.kind === 'end') {
      end = record.t;
      break;
    }
    if (!INPUTS.has(record.kind)) continue;
    await clock.advanceTo(record.t, check);
    fed(numbered.line);
    if (record.kind === 'command') {
      commands.push(numbered as Numbered<CommandRecord>);
      await issue(record);
    } else {
      engine.deliver(numbered);
    }
    await clock.settle();
    check();
  }
  await clock.advanceTo(end ?? recording.records.at(-1)?.record.t ?? 0, check);
  engine.finish();
  check();

  const recordedFailures = new Map<number, string>();
  for (const { record } of recording.records) {
    if (record.kind === 'command-error') recordedFailures.set(record.seq, record.message);
  }
  for (const { line, record } of commands) {
    const live = recordedFailures.get(record.seq);
    const again = failures.get(record.seq);
    if (live === again) continue;
    const what = `${record.name}${record.appId === undefined ? '' : ` ${record.appId}`} at ${formatOffset(record.t)}`;
    throw new ReplayDivergence(
      recording.file,
      line,
      `${what} ${live === undefined ? 'succeeded live' : `failed live (${live})`}, ` +
        `but ${again === undefined ? 'succeeded' : `failed (${again})`} in the replay`,
    );
  }

  const stop = commands.find(({ record }) => record.name === 'stop');
  if (stop && end !== undefined && !stopped) {
    throw new ReplayDivergence(
      recording.file,
      stop.line,
      `podwarden had stopped by the end of the recording (${formatOffset(end)}), but in the replay it is still finishing steps: ` +
        `a step waits for an engine answer the recording does not have`,
    );
  }
}
