import { isIP } from 'node:net';
import path from 'node:path';
import type { PortBinding } from '../domain/container-spec.js';
import { excerpt } from './excerpt.js';

// The text formats of manifest fields (ids, image references, "HOST:CONTAINER" ports,
// "SOURCE:TARGET" volumes) and their parsers, apart from the schema that uses them.

/** Used in container names, volume names and labels, hence the narrow alphabet. */
export const APP_ID_PATTERN = /^[a-z][a-z0-9-]{0,39}$/;
export const VERSION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/;
export const ENV_KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const VOLUME_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
export const NETWORK_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
export const USER_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]*(?::[A-Za-z0-9_][A-Za-z0-9_.-]*)?$/;
export const CAPABILITY_PATTERN = /^(?:CAP_)?[A-Z][A-Z0-9_]*$/;

// The reference grammar of distribution/reference, without the pieces podman rejects anyway.
const ALNUM = '[a-z0-9]+';
const SEPARATOR = '(?:[._]|__|-+)';
const PATH_COMPONENT = `${ALNUM}(?:${SEPARATOR}${ALNUM})*`;
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const IMAGE_REF_PATTERN = new RegExp(
  `^(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*(?::${TAG})?(?:@${DIGEST})?$`,
);

export const PORT_FORMAT = 'HOST:CONTAINER[/PROTO]';
export const VOLUME_FORMAT = 'SOURCE:TARGET[:ro|rw]';

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

/** A volume line, classified. `source` is a volume name, a path relative to the app's data directory ("." for the directory itself), or an absolute host path. */
export interface VolumeMount {
  kind: 'named' | 'app-data' | 'host';
  source: string;
  target: string;
  readOnly: boolean;
}

export function isImageReference(ref: string): boolean {
  return ref.length <= 512 && IMAGE_REF_PATTERN.test(ref);
}

/** "8080:80", "127.0.0.1:50001:50001/tcp", "[::1]:8080:80/udp". */
export function parsePortString(text: string): Parsed<PortBinding> {
  const shapeError = fail(`expected "${PORT_FORMAT}", got ${excerpt(text)}`);
  let rest = text.trim();
  let protocol: PortBinding['protocol'] = 'tcp';
  const slash = rest.lastIndexOf('/');
  if (slash !== -1) {
    const proto = rest.slice(slash + 1);
    if (proto !== 'tcp' && proto !== 'udp') {
      return fail(`protocol ${excerpt(proto)} is not supported in ${excerpt(text)} (use tcp or udp)`);
    }
    protocol = proto;
    rest = rest.slice(0, slash);
  }

  let hostIp: string | undefined;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close === -1 || rest[close + 1] !== ':') return shapeError;
    hostIp = rest.slice(1, close);
    if (isIP(hostIp) !== 6) return fail(`${excerpt(hostIp)} is not an IPv6 address in ${excerpt(text)}`);
    rest = rest.slice(close + 2);
  }
  const parts = rest.split(':');
  if (hostIp === undefined && parts.length === 3) {
    hostIp = parts.shift()!;
    if (isIP(hostIp) === 0) return fail(`${excerpt(hostIp)} is not an IP address in ${excerpt(text)}`);
  }
  if (parts.length !== 2) return shapeError;
  const [hostText, containerText] = parts as [string, string];
  if (hostText.includes('-') || containerText.includes('-')) {
    return fail(`port ranges are not supported: ${excerpt(text)} (publish each port on its own line)`);
  }
  const hostPort = parsePortNumber(hostText);
  const containerPort = parsePortNumber(containerText);
  if (hostPort === undefined || containerPort === undefined) {
    if (!/^\d+$/.test(hostText) || !/^\d+$/.test(containerText)) return shapeError;
    return fail(`port numbers must be between 1 and 65535, got ${excerpt(text)}`);
  }
  return { ok: true, value: { ...(hostIp !== undefined ? { hostIp } : {}), hostPort, containerPort, protocol } };
}

function parsePortNumber(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const port = Number(text);
  return port >= 1 && port <= 65535 ? port : undefined;
}

/** "data:/data" (named), "./conf:/etc/app:ro" (under the app's data dir), "/srv/bitcoin:/data" (host). */
export function parseVolumeString(text: string): Parsed<VolumeMount> {
  const parts = text.split(':');
  if (parts.length < 2 || parts.length > 3 || parts.some((part) => part === '')) {
    return fail(`expected "${VOLUME_FORMAT}", got ${excerpt(text)}`);
  }
  const [sourceText, targetText, option] = parts as [string, string, string | undefined];

  let readOnly = false;
  if (option !== undefined) {
    if (option !== 'ro' && option !== 'rw') {
      return fail(`unknown volume option ${excerpt(option)} in ${excerpt(text)} (use ro or rw)`);
    }
    readOnly = option === 'ro';
  }

  const target = parseContainerPath(targetText);
  if (!target.ok) return target;

  let kind: VolumeMount['kind'];
  let source: string;
  if (sourceText.startsWith('/')) {
    kind = 'host';
    source = trimTrailingSlash(path.posix.normalize(sourceText));
  } else if (sourceText.startsWith('.')) {
    kind = 'app-data';
    source = trimTrailingSlash(path.posix.normalize(sourceText));
    if (source === '..' || source.startsWith('../')) {
      return fail(`${excerpt(sourceText)} points outside the app's data directory`);
    }
  } else if (sourceText.includes('/')) {
    return fail(
      `relative path ${excerpt(sourceText)} must start with "./" (inside the app's data directory) or "/" (a host path)`,
    );
  } else {
    kind = 'named';
    source = sourceText;
    if (!VOLUME_NAME_PATTERN.test(source)) {
      return fail(`${excerpt(source)} is not a valid volume name (letters, digits, "_", "." and "-")`);
    }
  }
  return { ok: true, value: { kind, source, target: target.value, readOnly } };
}

export function parseContainerPath(text: string): Parsed<string> {
  if (!text.startsWith('/')) return fail(`target ${excerpt(text)} must be an absolute path in the container`);
  const normalised = trimTrailingSlash(path.posix.normalize(text));
  if (normalised === '/') return fail(`cannot mount over the container's root "/"`);
  return { ok: true, value: normalised };
}

function trimTrailingSlash(p: string): string {
  return p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p;
}

function fail(message: string): { ok: false; message: string } {
  return { ok: false, message };
}

/** The default tag of a built image; versions may hold characters a tag cannot. */
export function defaultBuildTag(id: string, version: string): string {
  const tag = version.replace(/[^\w.-]/g, '-').slice(0, 128);
  return `localhost/podwarden-build/${id}:${tag}`;
}
