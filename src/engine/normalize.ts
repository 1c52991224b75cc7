/**
 * Pure translations between what podman's Docker-compatible API (or Docker itself) sends and
 * the port's types. No I/O here: every function is fed raw JSON captured from a real engine
 * (see test/engine/fixtures) so the mapping is tested without one.
 *
 * Raw payloads are taken as `unknown` and read field by field: the engine is outside our
 * control, and a missing or oddly typed field must degrade to `unknown`/`undefined`, never
 * crash the supervisor.
 */
import {
  EngineError,
  type ContainerAction,
  type ContainerEvent,
  type ContainerObservation,
  type ContainerSpec,
  type ContainerStatus,
  type EngineErrorCode,
  type EngineInfo,
  type HealthStatus,
  type PullProgress,
} from './port.js';
import { registryHostOf } from './image-ref.js';

type Json = Record<string, unknown>;

function record(value: unknown): Json | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Json)
    : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function num(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) return Number(value.trim());
  return undefined;
}

function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const rec = record(value);
  if (!rec) return out;
  for (const [key, v] of Object.entries(rec)) {
    if (typeof v === 'string') out[key] = v;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// /version

/**
 * Engine flavour and version from `GET /version`. Podman lists a component named
 * "Podman Engine" (Docker lists "Engine"); its version is podman's own, and
 * `Details.APIVersion` is the version the libpod endpoints are served under.
 */
export function engineInfoFromVersion(raw: unknown): EngineInfo & { libpodApiVersion?: string } {
  const body = record(raw) ?? {};
  const components = Array.isArray(body.Components) ? body.Components.map(record) : [];
  const podman = components.find((c) => /podman/i.test(str(c?.Name) ?? ''));
  const platformName = str(record(body.Platform)?.Name) ?? '';
  if (podman || /podman/i.test(platformName)) {
    const version = str(podman?.Version) ?? str(body.Version) ?? 'unknown';
    const libpodApiVersion = str(record(podman?.Details)?.APIVersion) ?? version;
    return { flavor: 'podman', version, libpodApiVersion };
  }
  return { flavor: 'docker', version: str(body.Version) ?? 'unknown' };
}

// ---------------------------------------------------------------------------------------------
// Containers: state, health, inspect, list

/**
 * podman's compat API already reports Docker's words; libpod's own states can still leak
 * through (and do on some versions), so they are folded into the nearest Docker state.
 */
export function normalizeStatus(raw: unknown): ContainerStatus {
  switch (typeof raw === 'string' ? raw.toLowerCase() : '') {
    case 'created':
    case 'configured':
    case 'initialized':
      return 'created';
    case 'running':
    case 'stopping':
      return 'running';
    case 'paused':
      return 'paused';
    case 'restarting':
      return 'restarting';
    case 'exited':
    case 'stopped':
      return 'exited';
    case 'removing':
      return 'removing';
    case 'dead':
      return 'dead';
    default:
      return 'unknown';
  }
}

/** Podman reports `""` for a container without a health check; anything unknown is none. */
export function normalizeHealth(raw: unknown): HealthStatus {
  switch (typeof raw === 'string' ? raw.toLowerCase() : '') {
    case 'starting':
      return 'starting';
    case 'healthy':
      return 'healthy';
    case 'unhealthy':
      return 'unhealthy';
    default:
      return 'none';
  }
}

/** Engines write the zero time (`0001-01-01T00:00:00Z`) for "never": that is undefined. */
export function parseEngineTime(raw: unknown): number | undefined {
  if (typeof raw !== 'string' || raw === '') return undefined;
  const ms = Date.parse(raw);
  if (!Number.isFinite(ms) || ms <= 0) return undefined;
  return ms;
}

function stripSlash(name: string): string {
  return name.startsWith('/') ? name.slice(1) : name;
}

/**
 * `GET /containers/{id}/json`. Everything comes from `State` except the image, which is the
 * reference the container was created from (`Config.Image`), not the image id (`Image`):
 * podwarden compares it with the manifest's reference.
 */
export function observationFromInspect(raw: unknown): ContainerObservation {
  const body = record(raw) ?? {};
  const state = record(body.State) ?? {};
  const config = record(body.Config) ?? {};
  const status = normalizeStatus(state.Status);
  const observation: ContainerObservation = {
    id: str(body.Id) ?? '',
    name: stripSlash(str(body.Name) ?? ''),
    image: str(config.Image) ?? str(body.ImageName) ?? str(body.Image) ?? '',
    status,
    health: normalizeHealth(record(state.Health)?.Status),
    labels: stringMap(config.Labels),
  };
  const pid = num(state.Pid);
  if (pid !== undefined) observation.pid = pid;
  // A container that never ran reports ExitCode 0: that is no exit, so leave it out.
  const exitCode = num(state.ExitCode);
  if (exitCode !== undefined && (status === 'exited' || status === 'dead')) {
    observation.exitCode = exitCode;
  }
  if (typeof state.OOMKilled === 'boolean') observation.oomKilled = state.OOMKilled;
  const startedAt = parseEngineTime(state.StartedAt);
  if (startedAt !== undefined) observation.startedAt = startedAt;
  const finishedAt = parseEngineTime(state.FinishedAt);
  if (finishedAt !== undefined) observation.finishedAt = finishedAt;
  return observation;
}

/**
 * What the human-readable `Status` column of a list entry tells beyond `State`:
 * "Up 5 seconds (healthy)", "Up 2 seconds (health: starting)", "Up 3 seconds (starting)",
 * "Exited (3) 2 seconds ago".
 */
export function parseStatusText(text: unknown): { health: HealthStatus; exitCode?: number } {
  const value = typeof text === 'string' ? text : '';
  const healthMatch = /\((?:health:\s*)?(healthy|unhealthy|starting)\)/i.exec(value);
  const exitMatch = /^\s*Exited\s*\((-?\d+)\)/i.exec(value);
  const result: { health: HealthStatus; exitCode?: number } = {
    health: normalizeHealth(healthMatch?.[1]),
  };
  if (exitMatch?.[1] !== undefined) result.exitCode = Number(exitMatch[1]);
  return result;
}

/**
 * One entry of `GET /containers/json?all=true`. `State` is the state word; health and exit
 * code exist only inside the `Status` text (see parseStatusText). `StartedAt`/`FinishedAt`
 * are podman-only extras (unix seconds) and are used when present. The list has no pid and
 * no OOM flag: callers that need them inspect.
 */
export function observationFromListEntry(raw: unknown): ContainerObservation {
  const body = record(raw) ?? {};
  const names = Array.isArray(body.Names) ? body.Names.filter((n) => typeof n === 'string') : [];
  const status = normalizeStatus(body.State);
  const parsed = parseStatusText(body.Status);
  const observation: ContainerObservation = {
    id: str(body.Id) ?? '',
    name: stripSlash(names[0] ?? ''),
    image: str(body.Image) ?? '',
    status,
    health: parsed.health,
    labels: stringMap(body.Labels),
  };
  if (parsed.exitCode !== undefined && (status === 'exited' || status === 'dead')) {
    observation.exitCode = parsed.exitCode;
  }
  const startedAt = unixSecondsToMs(body.StartedAt);
  if (startedAt !== undefined) observation.startedAt = startedAt;
  const finishedAt = unixSecondsToMs(body.FinishedAt);
  if (finishedAt !== undefined) observation.finishedAt = finishedAt;
  return observation;
}

/**
 * One entry of podman's `GET /libpod/containers/json?all=true`. Unlike the compat list it
 * carries health (`Status` is the health word, `""` without a check), the exit code
 * (`ExitCode` with `Exited`), the pid and start/exit times in unix seconds (the zero time,
 * -62135596800, for never). `Names` have no leading slash.
 */
export function observationFromLibpodListEntry(raw: unknown): ContainerObservation {
  const body = record(raw) ?? {};
  const names = Array.isArray(body.Names) ? body.Names.filter((n) => typeof n === 'string') : [];
  const status = normalizeStatus(body.State);
  const observation: ContainerObservation = {
    id: str(body.Id) ?? '',
    name: stripSlash(names[0] ?? ''),
    image: str(body.Image) ?? '',
    status,
    health: normalizeHealth(body.Status),
    labels: stringMap(body.Labels),
  };
  const pid = num(body.Pid);
  if (pid !== undefined) observation.pid = pid;
  const exitCode = num(body.ExitCode);
  if (exitCode !== undefined && (status === 'exited' || status === 'dead')) {
    observation.exitCode = exitCode;
  }
  const startedAt = unixSecondsToMs(body.StartedAt);
  if (startedAt !== undefined) observation.startedAt = startedAt;
  const finishedAt = unixSecondsToMs(body.ExitedAt);
  if (finishedAt !== undefined) observation.finishedAt = finishedAt;
  return observation;
}

function unixSecondsToMs(raw: unknown): number | undefined {
  const seconds = num(raw);
  return seconds !== undefined && seconds > 0 ? seconds * 1000 : undefined;
}

/** True when `labels` carries every key=value of `selector`. */
export function hasLabels(labels: Record<string, string>, selector: Record<string, string>): boolean {
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}

/** `{a: '1'}` → `['a=1']`, the form the engines' `label` filters take. */
export function labelFilters(selector: Record<string, string>): string[] {
  return Object.entries(selector).map(([key, value]) => `${key}=${value}`);
}

// ---------------------------------------------------------------------------------------------
// Events

/** Engine action words → the port's. libpod spells some differently from Docker. */
const ACTIONS: Readonly<Record<string, ContainerAction>> = {
  create: 'create',
  start: 'start',
  die: 'die',
  died: 'die',
  kill: 'kill',
  stop: 'stop',
  pause: 'pause',
  unpause: 'unpause',
  restart: 'restart',
  remove: 'remove',
  destroy: 'remove',
  health_status: 'health',
  oom: 'oom',
};

/**
 * One event of `GET /events` → ContainerEvent, or null for events podwarden does not act on
 * (init, cleanup, exec, exec_died, attach, mount, checkpoint, ... and non-container events).
 *
 * Labels: podman puts every container label into `Actor.Attributes`, next to its own keys
 * (`name`, `image`, `podId`, `exitCode`, `containerExitCode`, `health_status`). They are all
 * passed on as labels: they cannot be told apart from labels, and podwarden only ever reads
 * its own `io.podwarden.*` keys.
 *
 * Health: Docker sends the action `health_status: healthy` (status in the action word);
 * podman 4.3 sends action `health_status` with a top-level `HealthStatus` field, which holds
 * the status from BEFORE the check that triggered the event (podman issue #19237): treat it as
 * a hint to inspect, not as the truth. Later podman versions may use
 * `Attributes.health_status`. When none of these is present `health` is left out.
 *
 * Exit code: only on `die`, from `Attributes.exitCode` (podman also sends `containerExitCode`,
 * which is "0" on every other event: it is ignored there).
 */
export function containerEventFromRaw(raw: unknown): ContainerEvent | null {
  const body = record(raw);
  if (!body) return null;
  const type = str(body.Type) ?? str(body.type) ?? 'container';
  if (type !== 'container') return null;
  const rawAction = str(body.Action) ?? str(body.status) ?? '';
  const [actionWord = '', actionDetail] = rawAction.split(/:\s*/, 2);
  const action = ACTIONS[actionWord.trim().toLowerCase()];
  if (!action) return null;
  const actor = record(body.Actor) ?? {};
  const attributes = stringMap(actor.Attributes);
  const containerId = str(actor.ID) ?? str(body.id) ?? '';
  if (containerId === '') return null;
  const event: ContainerEvent = {
    kind: 'container',
    action,
    containerId,
    labels: attributes,
    time: eventTime(body),
  };
  if (action === 'die') {
    const exitCode = num(attributes.exitCode) ?? num(attributes.containerExitCode);
    if (exitCode !== undefined) event.exitCode = exitCode;
  }
  if (action === 'health') {
    const reported = attributes.health_status ?? str(body.HealthStatus) ?? actionDetail;
    if (reported !== undefined && reported.trim() !== '') event.health = normalizeHealth(reported.trim());
  }
  return event;
}

function eventTime(body: Json): number {
  const nanos = num(body.timeNano);
  if (nanos !== undefined && nanos > 0) return Math.floor(nanos / 1e6);
  const seconds = num(body.time);
  if (seconds !== undefined && seconds > 0) return seconds * 1000;
  return Date.now();
}

// ---------------------------------------------------------------------------------------------
// Pull and build progress

/**
 * One line of a pull stream → progress, an error, or null (nothing worth reporting).
 * Compat `/images/create` lines: `{status, id?, progress?}`; libpod `/libpod/images/pull`
 * lines: `{stream: "Copying blob sha256:..."}` and finally `{images: [...], id}`. Both send
 * failures as `{error: ...}` (sometimes with `errorDetail.message`) on an HTTP 200 stream.
 */
export function pullProgressFromLine(ref: string, raw: unknown): PullProgress | EngineError | null {
  const body = record(raw);
  if (!body) return null;
  const failure = errorTextOfLine(body);
  if (failure !== undefined) return classifyPullFailure(ref, failure);
  const status = str(body.status);
  if (status !== undefined) {
    const progress: PullProgress = { ref, status: status.trim() };
    const id = str(body.id);
    // The first compat line carries the tag as `id` ("Pulling from podwarden/httpd", id "1"):
    // only hex ids are layers.
    if (id !== undefined && /^[0-9a-f]{12,64}$/.test(id)) progress.layer = id;
    return progress;
  }
  const stream = str(body.stream)?.trim();
  if (stream !== undefined && stream !== '') {
    const progress: PullProgress = { ref, status: stream };
    const blob = /\bblob (?:sha256:)?([0-9a-f]{12,64})/.exec(stream);
    if (blob?.[1] !== undefined) progress.layer = blob[1].slice(0, 12);
    return progress;
  }
  const imageId = str(body.id);
  if (Array.isArray(body.images) && imageId !== undefined) {
    return { ref, status: `Pulled image ${imageId.slice(0, 12)}` };
  }
  return null;
}

/** One line of a build stream → progress (the builder's output), an error, or null. */
export function buildProgressFromLine(
  tag: string,
  context: string,
  raw: unknown,
): PullProgress | EngineError | null {
  const body = record(raw);
  if (!body) return null;
  const failure = errorTextOfLine(body);
  if (failure !== undefined) return classifyBuildFailure(tag, context, failure);
  const text = (str(body.stream) ?? str(body.status))?.trim();
  if (text === undefined || text === '') return null;
  return { ref: tag, status: text };
}

function errorTextOfLine(body: Json): string | undefined {
  const detail = str(record(body.errorDetail)?.message);
  const error = str(body.error);
  if (error !== undefined && error.trim() !== '') return error.trim();
  if (detail !== undefined && detail.trim() !== '') return detail.trim();
  return undefined;
}

const DISK_FULL = /no space left on device|disk quota exceeded/i;
const REGISTRY_UNREACHABLE =
  /connection refused|no such host|i\/o timeout|server gave HTTP response to HTTPS client|network is unreachable|no route to host|connection reset by peer|TLS handshake timeout|tls: |x509: |dial tcp|context deadline exceeded|temporary failure in name resolution/i;
const IMAGE_NOT_FOUND =
  /manifest unknown|name unknown|not found|no such image|image not known|repository does not exist|pull access denied|requested access to the resource is denied/i;

/** The cause of a failed pull, from the engine's error text. */
export function pullFailureCode(message: string): EngineErrorCode {
  if (DISK_FULL.test(message)) return 'disk-full';
  // Unreachable before not-found: a refused connection's text can quote paths and hosts, but
  // never a registry's "manifest unknown".
  if (REGISTRY_UNREACHABLE.test(message)) return 'registry-unreachable';
  if (IMAGE_NOT_FOUND.test(message)) return 'image-not-found';
  return 'engine';
}

export function classifyPullFailure(ref: string, message: string): EngineError {
  const code = pullFailureCode(message);
  if (/server gave HTTP response to HTTPS client/i.test(message)) {
    return new EngineError(
      code,
      `pull of image ${ref} failed: registry ${registryHostOf(ref)} speaks plain HTTP and is not ` +
        `configured as an insecure registry: ${message}`,
    );
  }
  const what: Record<EngineErrorCode, string> = {
    'disk-full': `pull of image ${ref} failed: the engine's storage is full`,
    'registry-unreachable': `pull of image ${ref} failed: registry ${registryHostOf(ref)} unreachable`,
    'image-not-found': `pull of image ${ref} failed: the registry has no such image or tag`,
    engine: `pull of image ${ref} failed`,
    unreachable: `pull of image ${ref} failed`,
    'not-found': `pull of image ${ref} failed`,
    'name-conflict': `pull of image ${ref} failed`,
    'port-in-use': `pull of image ${ref} failed`,
  };
  return new EngineError(code, `${what[code]}: ${message}`);
}

export function classifyBuildFailure(tag: string, context: string, message: string): EngineError {
  // Registry words only count when the builder was fetching a base image: a RUN step's
  // failure must not pass for an unreachable registry.
  const pulling = /initializing source|creating build container|trying to pull|pulling image/i.test(message);
  const code = DISK_FULL.test(message) ? 'disk-full' : pulling ? pullFailureCode(message) : 'engine';
  const reason =
    code === 'disk-full'
      ? "the engine's storage is full"
      : code === 'registry-unreachable'
        ? 'a base image registry is unreachable'
        : code === 'image-not-found'
          ? 'a base image or file was not found'
          : 'the build failed';
  return new EngineError(code, `build of image ${tag} from ${context}: ${reason}: ${message}`);
}


// ---------------------------------------------------------------------------------------------
// Container create body (port → engine)

const NANOS_PER_SECOND = 1_000_000_000;

function isAbsolutePath(source: string): boolean {
  return source.startsWith('/');
}

/**
 * The body of `POST /containers/create` for `spec` (the name goes in the query string).
 * Mounts use `HostConfig.Mounts` with an explicit type, so a typo'd relative path can never
 * be taken for a volume name by the engine's `Binds` parser or vice versa: absolute source →
 * bind mount, anything else → named volume (created by the engine on first use).
 */
export function containerCreateBody(spec: ContainerSpec): Json {
  const exposedPorts: Record<string, Json> = {};
  const portBindings: Record<string, Array<{ HostIp?: string; HostPort: string }>> = {};
  for (const port of spec.ports) {
    const key = `${port.containerPort}/${port.protocol}`;
    exposedPorts[key] = {};
    const binding: { HostIp?: string; HostPort: string } = { HostPort: String(port.hostPort) };
    if (port.hostIp !== undefined && port.hostIp !== '') binding.HostIp = port.hostIp;
    (portBindings[key] ??= []).push(binding);
  }
  const tmpfs: Record<string, string> = {};
  for (const target of spec.tmpfs) tmpfs[target] = '';

  const hostConfig: Json = {
    PortBindings: portBindings,
    Mounts: spec.mounts.map((mount) => ({
      Type: isAbsolutePath(mount.source) ? 'bind' : 'volume',
      Source: mount.source,
      Target: mount.target,
      ReadOnly: mount.readOnly,
    })),
    Tmpfs: tmpfs,
    CapAdd: [...spec.capAdd],
  };
  if (spec.network !== undefined && spec.network !== '') hostConfig.NetworkMode = spec.network;

  const body: Json = {
    Image: spec.image,
    Env: Object.entries(spec.env).map(([key, value]) => `${key}=${value}`),
    Labels: { ...spec.labels },
    ExposedPorts: exposedPorts,
    HostConfig: hostConfig,
  };
  if (spec.command !== undefined) body.Cmd = [...spec.command];
  if (spec.entrypoint !== undefined) body.Entrypoint = [...spec.entrypoint];
  if (spec.user !== undefined && spec.user !== '') body.User = spec.user;
  if (spec.stopTimeoutSeconds !== undefined) body.StopTimeout = spec.stopTimeoutSeconds;
  if (spec.healthcheck) {
    const hc = spec.healthcheck;
    const first = hc.test[0];
    const test =
      first === 'CMD' || first === 'CMD-SHELL' || first === 'NONE' ? [...hc.test] : ['CMD', ...hc.test];
    body.Healthcheck = {
      Test: test,
      Interval: hc.intervalSeconds * NANOS_PER_SECOND,
      Timeout: hc.timeoutSeconds * NANOS_PER_SECOND,
      Retries: hc.retries,
      StartPeriod: hc.startPeriodSeconds * NANOS_PER_SECOND,
    };
  }
  return body;
}

// ---------------------------------------------------------------------------------------------
// Errors from the API client

/** What an API call was doing, for error messages. */
export interface CallContext {
  socketPath: string;
  /** e.g. `start of container web`. */
  action: string;
}

const TRANSPORT_CODES = new Set([
  'ENOENT',
  'ECONNREFUSED',
  'EACCES',
  'EPERM',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTSOCK',
  'ECONNABORTED',
  'EHOSTUNREACH',
  'ABORT_ERR',
  'UND_ERR_SOCKET',
]);

/** The engine's own words from a docker-modem error: its JSON `message`/`cause`, else the text. */
export function engineMessageOf(err: unknown): string {
  const rec = record(err);
  const json = record(rec?.json);
  const message = str(json?.message) ?? str(json?.cause);
  if (message !== undefined) return message.trim();
  if (err instanceof Error) {
    // docker-modem: "(HTTP code 404) no such container - <engine message> ".
    const m = /^\(HTTP code \d+\) [^-]*- (.*)$/s.exec(err.message);
    return (m?.[1] ?? err.message).trim();
  }
  return String(err);
}

export function httpStatusOf(err: unknown): number | undefined {
  return num(record(err)?.statusCode);
}

/**
 * Any failure of an API call → EngineError. Transport failures (socket missing, refused,
 * permission, reset, timeout) are 'unreachable'; HTTP answers are classified by status and by
 * the engine's message, since podman answers 500 for several things Docker gives codes to.
 */
export function toEngineError(err: unknown, ctx: CallContext): EngineError {
  if (err instanceof EngineError) return err;
  const rec = record(err);
  const status = httpStatusOf(err);
  if (status === undefined) {
    const code = str(rec?.code);
    const name = str(rec?.name);
    if (name === 'AbortError' || name === 'TimeoutError' || code === 'ABORT_ERR') {
      return new EngineError(
        'unreachable',
        `${ctx.action}: the engine at ${ctx.socketPath} did not answer in time`,
        err,
      );
    }
    if ((code !== undefined && TRANSPORT_CODES.has(code)) || /socket hang up/i.test(String(rec?.message))) {
      return new EngineError(
        'unreachable',
        `${ctx.action}: the engine at ${ctx.socketPath} is unreachable (${code ?? engineMessageOf(err)})`,
        err,
      );
    }
    return new EngineError('engine', `${ctx.action}: ${engineMessageOf(err)}`, err);
  }
  const message = engineMessageOf(err);
  let code: EngineErrorCode;
  if (DISK_FULL.test(message)) code = 'disk-full';
  else if (/address already in use|port is already allocated/i.test(message)) code = 'port-in-use';
  else if (isNameConflict(err)) code = 'name-conflict';
  else if (isMissingImage(err)) code = 'image-not-found';
  else if (status === 404) code = 'not-found';
  // podman answers a start of a container removed under it with 500 "does not exist in database".
  else if (/no such container|does not exist in database/i.test(message)) code = 'not-found';
  else code = 'engine';
  return new EngineError(code, `${ctx.action}: engine answered ${status}: ${message}`, err);
}

/** Podman answers a taken name with 500 (Docker with 409); both say "already in use". */
export function isNameConflict(err: unknown): boolean {
  const status = httpStatusOf(err);
  const message = engineMessageOf(err);
  // Docker: 'Conflict. The container name "/x" is already in use by container "…"'.
  // podman: 'the container name "x" is already in use by …: that name is already in use'.
  return (
    (status === 409 || status === 500) &&
    /container name .* is already in use|that name is already in use/i.test(message)
  );
}

/** A create that failed because its image is not in local storage (create never pulls). */
export function isMissingImage(err: unknown): boolean {
  const status = httpStatusOf(err);
  return (
    (status === 404 || status === 500) &&
    /image not known|no such image|image .* not found|unable to find image/i.test(engineMessageOf(err))
  );
}
