import { parsePodmanVersion, usesQuadlet } from './companions/systemd/render-unit.js';
import { createSystemdUnits, systemdAvailable, unitDirectory, unitScope } from './companions/systemd/systemd-units.js';
import { createUnitEffects } from './companions/systemd/unit-effects.js';
import type { EnginePort } from './engine/port.js';
import type { Logger } from './log.js';
import type { OrchestratorOptions } from './orchestrator-types.js';
import { PodwardenError } from './podwarden-error.js';

// What podwarden settles once at start, by asking the engine and the host where the owner left
// it to `auto`, and says in the log: who runs images' HEALTHCHECKs, and who supervises companions.

/** Who runs images' HEALTHCHECKs: the owner's word, else the engine's answer. */
export async function chooseImageHealthchecks(
  engine: EnginePort,
  asked: OrchestratorOptions['imageHealthchecks'],
  log: Logger,
): Promise<'podwarden' | 'engine'> {
  const imageHealthchecks = await healthcheckRunner(engine, asked, log);
  log.info(
    { imageHealthchecks },
    imageHealthchecks === 'engine'
      ? "the engine runs images' HEALTHCHECKs; podwarden acts on its verdict"
      : "podwarden runs images' HEALTHCHECKs as liveness probes",
  );
  return imageHealthchecks;
}

/** Running a check twice is only waste; never running it is a blind spot: podwarden when in doubt. */
async function healthcheckRunner(
  engine: EnginePort,
  asked: OrchestratorOptions['imageHealthchecks'],
  log: Logger,
): Promise<'podwarden' | 'engine'> {
  const choice = asked ?? 'auto';
  if (choice !== 'auto') return choice;
  try {
    return (await engine.ping()).runsHealthchecks ? 'engine' : 'podwarden';
  } catch (error) {
    log.warn(
      { err: error instanceof Error ? error.message : String(error) },
      'cannot ask the engine whether it runs health checks; podwarden runs them',
    );
    return 'podwarden';
  }
}

/** Who supervises companions: podwarden (containers) or systemd (units, with the effects that write and drive them). */
export async function chooseCompanionBackend(
  engine: EnginePort,
  options: Pick<OrchestratorOptions, 'companionBackend' | 'systemdUnits'>,
  log: Logger,
): Promise<{ companionBackend: 'container' | 'systemd'; unitEffects?: ReturnType<typeof createUnitEffects> }> {
  const companionBackend = await companionRunner(options.companionBackend);
  const unitEffects =
    companionBackend === 'systemd' ? await systemdUnitEffects(engine, options.systemdUnits, log) : undefined;
  log.info(
    { companionBackend },
    `companions run as ${companionBackend === 'systemd' ? 'systemd units' : 'containers supervised by podwarden'}`,
  );
  return { companionBackend, unitEffects };
}

async function companionRunner(asked: OrchestratorOptions['companionBackend']): Promise<'container' | 'systemd'> {
  const choice = asked ?? 'auto';
  if (choice !== 'auto') return choice;
  return (await systemdAvailable(unitScope())) ? 'systemd' : 'container';
}

/** Quadlet or .service follows the engine's podman version, read once at start. */
async function systemdUnitEffects(
  engine: EnginePort,
  systemdUnits: OrchestratorOptions['systemdUnits'],
  log: Logger,
): Promise<ReturnType<typeof createUnitEffects>> {
  const info = await engine.ping();
  if (info.flavor !== 'podman')
    throw new PodwardenError(
      `the systemd companion backend needs podman; the engine is ${info.flavor} ${info.version}`,
    );
  const podman = parsePodmanVersion(info.version);
  const quadlet = usesQuadlet(podman);
  const scope = unitScope();
  const units = systemdUnits ?? createSystemdUnits({ directory: unitDirectory(scope, quadlet), quadlet, scope });
  return createUnitEffects(units, { podman, logger: log });
}
