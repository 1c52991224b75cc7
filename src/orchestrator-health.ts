import type { Actor } from 'xstate';
import type { supervisorMachine } from '../machines/supervisor.machine.js';
import type { EngineTelemetry } from './engine/instrumented-engine.js';
import type { Health } from './orchestrator-types.js';

/** `/healthz`'s answer from the supervisor's snapshot and what the engine calls said last. */
export function healthOf(
  root: Actor<typeof supervisorMachine> | undefined,
  engine: { problem: string | undefined; answered: boolean },
  imageHealthchecks: 'podwarden' | 'engine' | undefined,
): Health {
  if (!root) return { ok: false, gate: 'stopped', engine: 'unknown', reason: 'podwarden is not started' };
  const snapshot = root.getSnapshot();
  if (snapshot.status === 'done' || snapshot.matches('draining')) {
    return { ok: false, gate: 'stopped', engine: 'unknown', reason: 'podwarden is stopping' };
  }
  const engineState = engine.problem ? 'unreachable' : engine.answered ? 'reachable' : 'unknown';
  if (snapshot.matches('recovering')) {
    const why = snapshot.context.recoveryError
      ? `recovery gate closed: boot recovery failed, retrying (${snapshot.context.recoveryError})`
      : snapshot.context.holdGateForEmbedder && !snapshot.context.embedderReleased
        ? 'recovery gate closed: held by the embedding daemon'
        : 'recovery gate closed: adopting containers';
    return { ok: false, gate: 'closed', engine: engineState, reason: why };
  }
  if (engine.problem)
    return {
      ok: false,
      gate: 'open',
      engine: 'unreachable',
      reason: `engine unreachable: ${engine.problem}`,
      imageHealthchecks,
    };
  return { ok: true, gate: 'open', engine: engineState, reason: 'supervising', imageHealthchecks };
}

/**
 * What the engine calls said last, as `healthOf` reads it: an unreachable call sets the
 * problem; a list or ping that answers clears it (and shows the engine answered once).
 */
export function createEngineReach(): {
  note(event: EngineTelemetry): void;
  now(): { problem: string | undefined; answered: boolean };
} {
  let problem: string | undefined;
  let answered = false;
  return {
    note(event) {
      if (event.kind === 'call') {
        if (event.outcome === 'unreachable') problem = event.error ?? 'the engine does not answer';
        else if (event.outcome === 'ok' && (event.call === 'list' || event.call === 'ping')) {
          problem = undefined;
          answered = true;
        }
      }
    },
    now: () => ({ problem, answered }),
  };
}
