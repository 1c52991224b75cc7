import type { Orchestrator } from '../orchestrator.js';
import { recordedError, type Recorder } from './recorder.js';
import type { CatalogSnapshot, CommandName } from './records.js';

/**
 * When a command reaches the machines: `call` ones send their event synchronously; `settle`
 * ones read or write files first (catalog, desired.json) and send it when that is done, which
 * is when they resolve. Live, engine answers that arrive during that file I/O are handled
 * before the command takes effect; recording the command at its effect keeps that order.
 */
type Effect = 'call' | 'settle';

const EFFECT: Record<CommandName, Effect> = {
  start: 'settle',
  stop: 'call',
  install: 'settle',
  uninstall: 'settle',
  startApp: 'settle',
  stopApp: 'settle',
  releaseGate: 'call',
  reloadCatalog: 'settle',
  reconcileNow: 'call',
  adopt: 'settle',
  // Journaled (or, for an app that does not run, written to desired.json) before its machine hears it.
  restartApp: 'settle',
  updateApp: 'settle',
  rollbackApp: 'settle',
};

/**
 * The orchestrator with every owner command written to `recorder` (and its failure, if it
 * fails), and every transition it publishes written as an observed transition: the reference
 * its replay is checked against. Wrap it before `start()`.
 */
export function recordCommands(orchestrator: Orchestrator, recorder: Recorder): Orchestrator {
  orchestrator.transitions$.subscribe((transition) => recorder.observed(transition));
  let seq = 0;

  function record(
    id: number,
    name: CommandName,
    appId: string | undefined,
    calledAt: number,
    catalog?: CatalogSnapshot,
  ): void {
    recorder.write({
      kind: 'command',
      seq: id,
      name,
      ...(appId === undefined ? {} : { appId }),
      calledAt,
      ...(catalog === undefined ? {} : { catalog }),
    });
  }

  function failed(id: number, error: unknown): void {
    recorder.write({ kind: 'command-error', seq: id, message: recordedError(error, recorder.portableText).message });
  }

  function recorded<T>(name: CommandName, appId: string | undefined, run: () => T, catalog?: CatalogSnapshot): T {
    const effect = EFFECT[name];
    seq += 1;
    const id = seq;
    const calledAt = recorder.now();
    if (effect === 'call') record(id, name, appId, calledAt, catalog);
    let result: T;
    try {
      result = run();
    } catch (error) {
      if (effect === 'settle') record(id, name, appId, calledAt, catalog);
      failed(id, error);
      throw error;
    }
    if (!(result instanceof Promise)) return result;
    return result.then(
      (value: unknown) => {
        if (effect === 'settle') record(id, name, appId, calledAt, catalog);
        return value;
      },
      (error: unknown) => {
        if (effect === 'settle') record(id, name, appId, calledAt, catalog);
        failed(id, error);
        throw error;
      },
    ) as T;
  }

  return {
    transitions$: orchestrator.transitions$,
    passes$: orchestrator.passes$,
    start: () => recorded('start', undefined, () => orchestrator.start()),
    stop: () => recorded('stop', undefined, () => orchestrator.stop()),
    releaseGate: () => recorded('releaseGate', undefined, () => orchestrator.releaseGate()),
    install: (appId) => recorded('install', appId, () => orchestrator.install(appId)),
    uninstall: (appId) => recorded('uninstall', appId, () => orchestrator.uninstall(appId)),
    startApp: (appId) => recorded('startApp', appId, () => orchestrator.startApp(appId)),
    stopApp: (appId) => recorded('stopApp', appId, () => orchestrator.stopApp(appId)),
    reconcileNow: () => recorded('reconcileNow', undefined, () => orchestrator.reconcileNow()),
    async reloadCatalog() {
      // The replay needs the catalog the reload is about to read; take it first.
      let snapshot: CatalogSnapshot;
      try {
        snapshot = await recorder.snapshotCatalog();
      } catch (error) {
        // A catalog that cannot be recorded safely ends the recording, never the reload.
        recorder.abandon(error);
        return orchestrator.reloadCatalog();
      }
      return recorded('reloadCatalog', undefined, () => orchestrator.reloadCatalog(), snapshot);
    },
    status: () => orchestrator.status(),
    catalogErrors: () => orchestrator.catalogErrors(),
    // Read-only views: nothing to record.
    progress$: orchestrator.progress$,
    telemetry$: orchestrator.telemetry$,
    explain: (appId) => orchestrator.explain(appId),
    plan: () => orchestrator.plan(),
    imageOffers: () => orchestrator.imageOffers(),
    logs: (appId, options) => orchestrator.logs(appId, options),
    catalog: () => orchestrator.catalog(),
    health: () => orchestrator.health(),
    restartApp: (appId) => recorded('restartApp', appId, () => orchestrator.restartApp(appId)),
    updateApp: (appId) => recorded('updateApp', appId, () => orchestrator.updateApp(appId)),
    rollbackApp: (appId) => recorded('rollbackApp', appId, () => orchestrator.rollbackApp(appId)),
    moveApp(appId, file) {
      // A move changes which file speaks for an app, which a replay cannot rebuild: the
      // recording ends here (said in the log), the move goes on.
      recorder.abandon(new Error(`podwarden move ${appId} ${file} is not recorded`));
      return orchestrator.moveApp(appId, file);
    },
    adopt: (appIds) => recorded('adopt', appIds?.join(','), () => orchestrator.adopt(appIds)),
    journalDamage: () => orchestrator.journalDamage(),
    engineWorkLoad: () => orchestrator.engineWorkLoad(),
  };
}
