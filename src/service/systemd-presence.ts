import { firstValueFrom } from 'rxjs';
import type { Logger } from '../log.js';
import type { Orchestrator } from '../orchestrator.js';
import { systemdNotifier, type ServiceNotifier } from './sd-notify.js';

/**
 * podwarden under systemd (`Type=notify`, see service-unit.ts): READY=1 once the first
 * reconcile pass ran, WATCHDOG=1 from the event loop while it turns, STOPPING=1 at shutdown.
 * Nothing at all when systemd did not start it so. Call before `orchestrator.start()`.
 */
export function announceToSystemd(
  orchestrator: Orchestrator,
  logger: Logger,
  notifier: ServiceNotifier | undefined = systemdNotifier(),
): { stopping(): void } {
  if (!notifier) return { stopping: () => undefined };
  const failed = (what: string) => (error: unknown) =>
    logger.warn({ err: error instanceof Error ? error.message : String(error) }, `systemd-notify ${what} failed`);
  firstValueFrom(orchestrator.passes$).then(
    () => notifier.ready('supervising').then(() => logger.info('told systemd: ready'), failed('READY=1')),
    () => undefined,
  );
  const watchdog =
    notifier.watchdogEveryMs === undefined
      ? undefined
      : setInterval(() => void notifier.watchdog().catch(failed('WATCHDOG=1')), notifier.watchdogEveryMs);
  return {
    stopping() {
      if (watchdog) clearInterval(watchdog);
      notifier.stopping('finishing in-flight steps; containers keep running').catch(failed('STOPPING=1'));
    },
  };
}
