import type { ContainerObservation } from '../src/domain/container-observation.js';
import type { EngineErrorCode } from '../src/domain/engine-error.js';

/**
 * Why an app failed, as data: the machine keeps it, `status()` and `transitions$` carry it, and
 * `describeFailure` turns it into the sentence a person reads, with the remedy it implies.
 * Pure: no I/O, so the machines and every report share one classification.
 */
export type ProbeRole = 'startup' | 'liveness' | 'readiness';

export type FailureReason =
  /** The kernel killed the process for exceeding its memory limit (podman: exit 137 + OOMKilled). */
  | { kind: 'oom-killed'; exitCode?: number }
  /**
   * SIGKILLed (exit 137) while running under a memory limit, without the engine saying OOM:
   * podman 4.3 on cgroup v1 leaves `State.OOMKilled` false even when the kernel's OOM killer
   * did it, so this is the likely cause, not a certainty (a `podman kill` looks the same).
   */
  | { kind: 'likely-oom-killed'; exitCode: number; memoryLimitBytes: number }
  /** The process ended by itself. */
  | { kind: 'exited'; exitCode?: number }
  /**
   * Killed or stopped by someone else: the engine reported a `kill` (or `stop`) event of this
   * run that podwarden did not issue (its own stops and removals are never answered by one it
   * applies). Not the app's fault, so it never feeds the bad-config streak.
   */
  | { kind: 'killed-outside'; action: 'kill' | 'stop'; exitCode?: number }
  /** The process ends at once after every start: the configuration, not bad luck. */
  | { kind: 'bad-config'; exitCode?: number; quickExits: number }
  /**
   * The container is in a state it cannot run from (its process lost, dead, unhealthy by its own
   * check). `health` says it was the engine's health check that failed it.
   */
  | { kind: 'container-broken'; detail: string; health?: 'unhealthy' }
  | { kind: 'image-not-found'; image: string; message: string }
  | { kind: 'registry-unreachable'; image: string; message: string }
  | { kind: 'port-in-use'; message: string }
  /** The container's name is held by a container podwarden does not own (no owner label). */
  | { kind: 'name-taken'; name: string; message: string }
  | { kind: 'disk-full'; step: string; message: string }
  /** A podwarden-run probe failed `failures` times in a row. */
  | { kind: 'probe-failing'; role: ProbeRole; target: string; output: string; failures: number }
  /** Apps this one needs are not ready (added for dependencies between apps). */
  | { kind: 'dependency-down'; dependencies: string[] }
  /** A step failed for a reason none of the kinds above names. */
  | { kind: 'step-failed'; step: string; message: string }
  /** A companion's systemd unit was found not active: stopped outside podwarden, or systemd gave up on it. */
  | { kind: 'unit-inactive' }
  /** Too many restarts in the budget's window: podwarden stopped trying until the owner acts. */
  | { kind: 'restart-budget-spent'; restarts: number; windowMs: number; last: FailureReason };

export type FailureKind = FailureReason['kind'];

/**
 * A run shorter than this counts as "exited at once". Long enough for a process that reads a
 * bad config and quits (busybox, Go and Node binaries do so in well under a second on these
 * hosts), short enough that a service that served for a while is not called misconfigured.
 */
export const QUICK_EXIT_MS = 3_000;
/** This many quick exits in a row, and the failure is called a bad config. */
export const BAD_CONFIG_QUICK_EXITS = 3;

/** 128 + SIGKILL: what the kernel's OOM killer (and any other SIGKILL) leaves as exit code. */
const OOM_EXIT_CODE = 137;

/**
 * An exit of the container, classified. `quickExits` counts the consecutive quick exits up to
 * and including this one (see `nextQuickExits`); `memoryLimitBytes` is the limit the container
 * ran under, if any; `killedBy` the engine event of this run that podwarden did not issue.
 */
export function classifyExit(
  container: Pick<ContainerObservation, 'exitCode' | 'oomKilled'>,
  quickExits: number,
  memoryLimitBytes?: number,
  killedBy?: 'kill' | 'stop',
): FailureReason {
  const exitCode = container.exitCode;
  const code = exitCode === undefined ? {} : { exitCode };
  if (container.oomKilled) return { kind: 'oom-killed', ...code };
  // Evidence first: an outside kill explains a SIGKILL exit under a memory limit, and a quick death.
  if (killedBy) return { kind: 'killed-outside', action: killedBy, ...code };
  // Before the quick-exit streak: an app that runs out of memory at once on every start needs memory, not a config fix.
  if (exitCode === OOM_EXIT_CODE && memoryLimitBytes !== undefined)
    return { kind: 'likely-oom-killed', exitCode, memoryLimitBytes };
  if (quickExits >= BAD_CONFIG_QUICK_EXITS) return { kind: 'bad-config', ...code, quickExits };
  return { kind: 'exited', ...code };
}

/** The quick-exit streak after an exit: one more when the run was short, otherwise it starts over. */
export function nextQuickExits(streak: number, startedAt: number | undefined, exitedAt: number | undefined): number {
  if (startedAt === undefined || exitedAt === undefined || startedAt <= 0) return 0;
  return exitedAt - startedAt < QUICK_EXIT_MS ? streak + 1 : 0;
}

/** A step's engine error, classified by the adapter's EngineError code. `name` is the app's container name. */
export function classifyStepError(
  step: string,
  error: { code: EngineErrorCode | 'unknown'; message: string },
  image: string,
  name?: string,
): FailureReason {
  switch (error.code) {
    case 'name-conflict':
      return name === undefined
        ? { kind: 'step-failed', step, message: error.message }
        : { kind: 'name-taken', name, message: error.message };
    case 'image-not-found':
      return { kind: 'image-not-found', image, message: error.message };
    case 'registry-unreachable':
      return { kind: 'registry-unreachable', image, message: error.message };
    case 'port-in-use':
      return { kind: 'port-in-use', message: error.message };
    case 'disk-full':
      return { kind: 'disk-full', step, message: error.message };
    default:
      return { kind: 'step-failed', step, message: error.message };
  }
}

/** The sentence a person reads: what happened, then what to do about it. */
export function describeFailure(reason: FailureReason): string {
  switch (reason.kind) {
    case 'oom-killed':
      return `OOM-killed (exit ${reason.exitCode ?? OOM_EXIT_CODE}): raise the app's memory limit or lower its memory use`;
    case 'likely-oom-killed':
      return `killed by SIGKILL (exit ${reason.exitCode}) with a ${formatMiB(reason.memoryLimitBytes)} memory limit: most likely out of memory; raise \`resources.memory\``;
    case 'exited':
      return reason.exitCode === undefined
        ? 'exited: see the container log'
        : `exited with code ${reason.exitCode}: see the container log`;
    case 'killed-outside':
      return `${outsideWords(reason)}: podwarden starts it again; look for who stops it (podman events, cron, another tool)`;
    case 'bad-config':
      return `bad config: exits at once on every start (${reason.quickExits} in a row${reason.exitCode === undefined ? '' : `, code ${reason.exitCode}`}): check its settings and the container log`;
    case 'container-broken':
      return `${reason.detail}: podwarden recreates it`;
    case 'image-not-found':
      return `image ${reason.image} not found: check the image name and tag in the manifest (${reason.message})`;
    case 'registry-unreachable':
      return `registry unreachable for ${reason.image}: check the network and the registry address (${reason.message})`;
    case 'port-in-use':
      return `port already in use: free the host port or change it in the manifest (${reason.message})`;
    case 'name-taken':
      return `container name ${reason.name} is held by a container podwarden does not own: remove or rename that container, and podwarden creates its own at once (${reason.message})`;
    case 'disk-full':
      // The preflight's own message already says how much is free and what is needed.
      return reason.message.startsWith('disk full')
        ? `${reason.message.replace(/^disk full/, `disk full before ${reason.step}`)}`
        : `disk full during ${reason.step}: free space on the host (${reason.message})`;
    case 'probe-failing': {
      const output = reason.output.trim() === '' ? '' : `; last output: ${truncate(reason.output.trim(), 200)}`;
      return `${reason.role} probe failing (${reason.target}, ${reason.failures} in a row)${output}`;
    }
    case 'dependency-down':
      return `waiting for ${reason.dependencies.join(', ')} to be ready`;
    case 'step-failed':
      return `${reason.step} failed: ${reason.message}`;
    case 'unit-inactive':
      return 'the unit was not active (stopped outside podwarden, or systemd gave up restarting it): podwarden starts it again; systemctl --user status shows why it stopped';
    case 'restart-budget-spent':
      return `gave up after ${reason.restarts} restarts in ${formatWindow(reason.windowMs)} (last: ${describeFailure(reason.last)}); fix the cause, then start the app again`;
  }
}

/** Exit codes above 128 are 128 + the signal that ended the process; the ones seen in practice, by name. */
const SIGNALS: Record<number, string> = {
  1: 'SIGHUP',
  2: 'SIGINT',
  3: 'SIGQUIT',
  6: 'SIGABRT',
  9: 'SIGKILL',
  11: 'SIGSEGV',
  13: 'SIGPIPE',
  15: 'SIGTERM',
};

/** `SIGKILL` for exit code 137; undefined for an exit of the process's own. */
export function signalOf(exitCode: number | undefined): string | undefined {
  if (exitCode === undefined || exitCode <= 128) return undefined;
  return SIGNALS[exitCode - 128] ?? `signal ${exitCode - 128}`;
}

/** `killed by SIGKILL outside podwarden (exit 137)`, `stopped outside podwarden (exit 0)`: who ended it, without the remedy. */
export function outsideWords(reason: Extract<FailureReason, { kind: 'killed-outside' }>): string {
  const signal = signalOf(reason.exitCode);
  const what = reason.action === 'stop' ? 'stopped' : signal ? `killed by ${signal}` : 'killed';
  return `${what} outside podwarden${reason.exitCode === undefined ? '' : ` (exit ${reason.exitCode})`}`;
}

/**
 * The few words a state change carries as its reason when the decision table's (`exited with
 * code 137`) would hide what happened: someone outside podwarden ended the container.
 */
export function failureHeadline(reason: FailureReason): string | undefined {
  return reason.kind === 'killed-outside' ? outsideWords(reason) : undefined;
}

/**
 * Whether a failure is a failed probe: one of podwarden's own, or the engine's health check
 * (for a restart budget spent, whether the last failure was).
 */
export function isProbeFailure(reason: FailureReason | undefined): boolean {
  switch (reason?.kind) {
    case 'probe-failing':
      return true;
    case 'container-broken':
      return reason.health === 'unhealthy';
    case 'restart-budget-spent':
      return isProbeFailure(reason.last);
    default:
      return false;
  }
}

/** A failure as status rows, pass entries and transitions carry it: the sentence and the data. */
export function failureFields(reason: FailureReason | undefined): { failure?: string; failureReason?: FailureReason } {
  return reason ? { failure: describeFailure(reason), failureReason: reason } : {};
}

/** "64 MiB", "1.5 GiB": limits are set in whole MiB or GiB as a rule. */
function formatMiB(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  if (mib >= 1024) return `${Number((mib / 1024).toFixed(2))} GiB`;
  return `${Number(mib.toFixed(1))} MiB`;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export function formatWindow(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${Math.round(ms / 100) / 10} s`;
}
