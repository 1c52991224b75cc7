import { Subject } from 'rxjs';
import type { AppStatus, Orchestrator } from '../../../src/orchestrator.js';
import type { EngineTelemetry } from '../../../src/engine/instrumented-engine.js';
import type { Transition } from '../../../src/streams/transitions.js';

/** Just the streams and reads createMetrics uses, fed by the test. */
export function fakeOrchestrator(rows: AppStatus[] = []) {
  const transitions = new Subject<Transition>();
  const telemetry = new Subject<EngineTelemetry>();
  const orchestrator = {
    transitions$: transitions.asObservable(),
    passes$: new Subject().asObservable(),
    telemetry$: telemetry.asObservable(),
    status: () => rows,
    journalDamage: () => ({ unreadable: [], lostWrites: 0 }),
    engineWorkLoad: () => ({ inFlight: 0, queued: 0 }),
  } as unknown as Orchestrator;
  return { orchestrator, transitions, telemetry };
}
