import type { ContainerSpec, Mount, PortBinding } from '../../domain/container-spec.js';

/**
 * A companion as a systemd unit, so systemd (not podwarden) keeps it alive and it outlives
 * podwarden itself. Pure: the same spec and podman version give the same text, byte for byte,
 * which is what lets podwarden write only when something changed (no needless daemon-reload).
 *
 * - podman >= 4.4: a Quadlet `.container` file for ~/.config/containers/systemd/; systemd's
 *   Quadlet generator turns it into `<name>.service`. Health keys need podman 4.5
 *   (HealthCmd…) and 5.0 (Notify=healthy: the unit is started only once the check passes).
 * - older podman (Debian 12 ships 4.3, without Quadlet): a plain `.service` for
 *   ~/.config/systemd/user/ running `podman run --replace --rm`, shaped like
 *   `podman generate systemd --new` (sd_notify through conmon, the container id in %t).
 */

export interface PodmanVersion {
  major: number;
  minor: number;
}

export interface RenderedUnit {
  kind: 'quadlet' | 'service';
  /** File name in `directory` (`podwarden-lnd-ui.container` / `.service`). */
  fileName: string;
  /** `~/.config/containers/systemd` or `~/.config/systemd/user`, relative to the home directory. */
  directory: string;
  /** What systemctl calls it: `<container name>.service` for both kinds. */
  unitName: string;
  text: string;
}

export interface UnitInput {
  spec: ContainerSpec;
  /** Shown in the unit's Description, e.g. "ui of lnd". */
  description: string;
  podman: PodmanVersion;
  /** Absolute path of the podman binary (the .service's ExecStart needs one). */
  podmanPath?: string;
}

const RESTART_SECONDS = 10;

export function parsePodmanVersion(version: string): PodmanVersion {
  const match = /^(\d+)\.(\d+)/.exec(version);
  if (!match) throw new Error(`cannot read a podman version from ${JSON.stringify(version)}`);
  return { major: Number(match[1]), minor: Number(match[2]) };
}

function atLeast(version: PodmanVersion, major: number, minor: number): boolean {
  return version.major > major || (version.major === major && version.minor >= minor);
}

export function usesQuadlet(version: PodmanVersion): boolean {
  return atLeast(version, 4, 4);
}

export function renderUnit(input: UnitInput): RenderedUnit {
  return usesQuadlet(input.podman) ? renderQuadlet(input) : renderService(input);
}

function header(input: UnitInput): string[] {
  return [
    `# Written by podwarden for the companion ${input.description}; podwarden rewrites it when the`,
    '# manifest changes and removes it on uninstall. Edit the manifest, not this file.',
  ];
}

/**
 * One word of a systemd command line (ExecStart=): `%` is a specifier and `$` an expansion
 * there, so both are doubled; a word with blanks, quotes or backslashes is double-quoted
 * with C-style escapes.
 */
export function commandWord(word: string): string {
  return quoted(word.replace(/\$/g, '$$$$'));
}

/**
 * One value of a Quadlet setting (Environment=, Label=, Volume=, Exec=): specifiers are
 * expanded there too, but Quadlet quotes `$` itself when it writes the ExecStart.
 */
export function settingWord(word: string): string {
  return quoted(word);
}

function quoted(word: string): string {
  const escaped = word.replace(/%/g, '%%');
  if (/^[A-Za-z0-9_@+=:,./%$-]+$/.test(escaped)) return escaped;
  return `"${escaped.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\t/g, '\\t')}"`;
}

/** Free text (Description=): only specifiers are special. */
function text(value: string): string {
  return value.replace(/%/g, '%%').replace(/\n/g, ' ');
}

function portText(port: PortBinding): string {
  return `${port.hostIp ? `${port.hostIp.includes(':') ? `[${port.hostIp}]` : port.hostIp}:` : ''}${port.hostPort}:${port.containerPort}/${port.protocol}`;
}

function mountText(mount: Mount): string {
  return `${mount.source}:${mount.target}${mount.readOnly ? ':ro' : ''}`;
}

function sorted(record: Record<string, string>): Array<[string, string]> {
  return Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The health check as podman's `--health-cmd` takes it: a shell string, or a JSON exec array. */
function healthCommand(test: readonly string[]): string {
  const [kind, ...rest] = test;
  return kind === 'CMD-SHELL' ? (rest[0] ?? '') : JSON.stringify(rest);
}

function renderQuadlet(input: UnitInput): RenderedUnit {
  const { spec } = input;
  const lines = [
    ...header(input),
    '[Unit]',
    `Description=${text(`podwarden companion ${input.description}`)}`,
    '',
    '[Container]',
    `ContainerName=${spec.name}`,
    `Image=${spec.image}`,
    ...sorted(spec.labels).map(([key, value]) => `Label=${settingWord(`${key}=${value}`)}`),
    ...sorted(spec.env).map(([key, value]) => `Environment=${settingWord(`${key}=${value}`)}`),
    ...spec.ports.map((port) => `PublishPort=${portText(port)}`),
    ...spec.mounts.map((mount) => `Volume=${settingWord(mountText(mount))}`),
    ...spec.tmpfs.map((path) => `Tmpfs=${path}`),
    ...(spec.network ? [`Network=${spec.network}`] : []),
    ...(spec.user ? [`User=${spec.user}`] : []),
    ...spec.capAdd.map((cap) => `AddCapability=${cap}`),
  ];
  if (spec.healthcheck && atLeast(input.podman, 4, 5)) {
    const check = spec.healthcheck;
    lines.push(
      `HealthCmd=${settingWord(healthCommand(check.test))}`,
      `HealthInterval=${check.intervalSeconds}s`,
      `HealthTimeout=${check.timeoutSeconds}s`,
      `HealthRetries=${check.retries}`,
      `HealthStartPeriod=${check.startPeriodSeconds}s`,
    );
    if (atLeast(input.podman, 5, 0)) lines.push('Notify=healthy');
  }
  if (spec.entrypoint) lines.push(`Entrypoint=${settingWord(JSON.stringify(spec.entrypoint))}`);
  if (spec.command) lines.push(`Exec=${spec.command.map(settingWord).join(' ')}`);
  lines.push(
    '',
    '[Service]',
    'Restart=always',
    `RestartSec=${RESTART_SECONDS}`,
    ...(spec.stopTimeoutSeconds !== undefined ? [`TimeoutStopSec=${spec.stopTimeoutSeconds + 20}`] : []),
    '',
    '[Install]',
    'WantedBy=default.target',
    '',
  );
  return {
    kind: 'quadlet',
    fileName: `${spec.name}.container`,
    directory: '.config/containers/systemd',
    unitName: `${spec.name}.service`,
    text: lines.join('\n'),
  };
}

function renderService(input: UnitInput): RenderedUnit {
  const { spec } = input;
  const podman = input.podmanPath ?? '/usr/bin/podman';
  const cidFile = '%t/%n.ctr-id';
  const run: string[] = [
    'run',
    `--cidfile=${cidFile}`,
    '--cgroups=no-conmon',
    '--rm',
    '--sdnotify=conmon',
    '--replace',
    '--detach',
    `--name=${spec.name}`,
    ...sorted(spec.labels).map(([key, value]) => `--label=${key}=${value}`),
    ...sorted(spec.env).map(([key, value]) => `--env=${key}=${value}`),
    ...spec.ports.map((port) => `--publish=${portText(port)}`),
    ...spec.mounts.map((mount) => `--volume=${mountText(mount)}`),
    ...spec.tmpfs.map((path) => `--tmpfs=${path}`),
    ...(spec.network ? [`--network=${spec.network}`] : []),
    ...(spec.user ? [`--user=${spec.user}`] : []),
    ...spec.capAdd.map((cap) => `--cap-add=${cap}`),
    ...(spec.stopTimeoutSeconds !== undefined ? [`--stop-timeout=${spec.stopTimeoutSeconds}`] : []),
  ];
  if (spec.healthcheck) {
    const check = spec.healthcheck;
    run.push(
      `--health-cmd=${healthCommand(check.test)}`,
      `--health-interval=${check.intervalSeconds}s`,
      `--health-timeout=${check.timeoutSeconds}s`,
      `--health-retries=${check.retries}`,
      `--health-start-period=${check.startPeriodSeconds}s`,
    );
  }
  if (spec.entrypoint) run.push(`--entrypoint=${JSON.stringify(spec.entrypoint)}`);
  run.push(spec.image, ...(spec.command ?? []));
  // The cid file is systemd's (a specifier), so it is written as is; every other word is quoted.
  const words = run.map((word) => (word === `--cidfile=${cidFile}` ? word : commandWord(word)));
  const lines = [
    ...header(input),
    '[Unit]',
    `Description=${text(`podwarden companion ${input.description}`)}`,
    'Wants=network-online.target',
    'After=network-online.target',
    'RequiresMountsFor=%t/containers',
    '',
    '[Service]',
    'Environment=PODMAN_SYSTEMD_UNIT=%n',
    'Restart=always',
    `RestartSec=${RESTART_SECONDS}`,
    `TimeoutStopSec=${(spec.stopTimeoutSeconds ?? 10) + 20}`,
    `ExecStart=${podman} ${words.join(' ')}`,
    `ExecStop=${podman} stop --ignore --cidfile=${cidFile}`,
    `ExecStopPost=${podman} rm --force --ignore --cidfile=${cidFile}`,
    'Type=notify',
    'NotifyAccess=all',
    '',
    '[Install]',
    'WantedBy=default.target',
    '',
  ];
  return {
    kind: 'service',
    fileName: `${spec.name}.service`,
    directory: '.config/systemd/user',
    unitName: `${spec.name}.service`,
    text: lines.join('\n'),
  };
}
