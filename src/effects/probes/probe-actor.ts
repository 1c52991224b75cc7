import { fromCallback, type EventObject } from 'xstate';
import type { ProbeInput } from '../../../machines/app-probes.js';
import type { ProbeCheck, ProbeResult } from '../../../machines/types.js';
import type { Clock, TimerId } from '../../domain/clock.js';
import type { EnginePort } from '../../engine/port.js';
import type { Logger } from '../../log.js';
import { httpCheck, type CheckOutcome } from './http-check.js';
import type { NetworkTarget, NetworkTargets } from './probe-target.js';
import { tcpCheck } from './tcp-check.js';
import { describeExecTarget } from '../../../machines/image-healthcheck.js';

/**
 * The probe actor the app machine invokes while its container runs: it checks at once (an
 * image's HEALTHCHECK after one interval), then every interval (measured from the start of one check to the next, never overlapping), and
 * sends each verdict as PROBE_RESULT. It counts nothing: hysteresis is the machine's.
 */
export function createProbeActor(engine: EnginePort, logger: Logger, networkTarget: NetworkTargets, clock: Clock) {
  return fromCallback<EventObject, ProbeInput>(({ input, sendBack }) => {
    const probe = input.probe;
    if (probe === undefined) return undefined;
    let stopped = false;
    let timer: TimerId | undefined;
    let target: NetworkTarget | undefined;

    const check = async (): Promise<CheckOutcome & { target: string }> => {
      const kind = probe.check;
      if (kind.kind === 'exec') {
        const described = describeExecTarget(probe, kind.command);
        try {
          const result = await engine.exec(input.containerId, kind.command, { timeoutMs: probe.timeoutMs });
          return {
            ok: result.exitCode === 0,
            output: `exit ${result.exitCode}${result.output.trim() ? `: ${result.output.trim()}` : ''}`,
            target: described,
          };
        } catch (error) {
          return { ok: false, output: error instanceof Error ? error.message : String(error), target: described };
        }
      }
      try {
        target ??= await networkTarget(input.spec, input.containerId, kind.port);
      } catch (error) {
        return {
          ok: false,
          output: error instanceof Error ? error.message : String(error),
          target: describeCheck(kind),
        };
      }
      if (kind.kind === 'http') {
        const outcome = await httpCheck(target.host, target.port, kind.path, probe.timeoutMs, kind.expectStatus);
        return { ...outcome, target: `GET http://${target.host}:${target.port}${kind.path}` };
      }
      return {
        ...(await tcpCheck(target.host, target.port, probe.timeoutMs)),
        target: `tcp ${target.host}:${target.port}`,
      };
    };

    const run = async () => {
      const began = clock.now();
      const outcome = await check();
      if (stopped) return;
      const result: ProbeResult = {
        type: 'PROBE_RESULT',
        role: input.role,
        ok: outcome.ok,
        output: outcome.output,
        target: outcome.target,
        at: began,
      };
      if (!outcome.ok)
        logger.debug(
          { app: input.spec.appId, probe: input.role, target: outcome.target, output: outcome.output },
          `${input.role} probe failed`,
        );
      sendBack(result);
      timer = clock.setTimeout(() => void run(), Math.max(0, probe.intervalMs - (clock.now() - began)));
    };
    // An image's HEALTHCHECK first runs one interval after the start, as Docker and podman run it.
    if (probe.origin === 'image') timer = clock.setTimeout(() => void run(), probe.intervalMs);
    else void run();
    return () => {
      stopped = true;
      clock.clearTimeout(timer);
    };
  });
}

function describeCheck(check: ProbeCheck): string {
  switch (check.kind) {
    case 'http':
      return `GET :${check.port}${check.path}`;
    case 'tcp':
      return `tcp :${check.port}`;
    case 'exec':
      return `exec ${check.command.join(' ')}`;
  }
}
