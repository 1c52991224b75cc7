import { createHash } from 'node:crypto';
import { fullyQualifiedRef, registryHostOf } from '../engine/image-ref.js';

/**
 * What a registry serves behind an image tag now, asked the way a pull asks it (OCI
 * distribution spec): `HEAD /v2/<repository>/manifests/<tag>` and its `Docker-Content-Digest`.
 * Not through the engine: neither podman 4.3 nor 5.4 serves Docker's `GET /distribution/{name}/json`
 * (podman issue 17726), and the engine port has no other door to a registry. It speaks plain
 * HTTP exactly to the registries podwarden's own `insecureRegistries` names (as its pulls do),
 * HTTPS to any other, anonymously: podwarden holds no registry credentials, and a registry that
 * wants some says so in the answer (`denied`). Public registries that want a token even for
 * anonymous pulls (Docker Hub, ghcr.io) get the anonymous bearer-token exchange their `401` asks for.
 */

/** Why a registry could not say what it serves: each `RegistryError` carries one. */
export type RegistryErrorCode = 'unreachable' | 'not-found' | 'denied' | 'bad-answer' | 'not-a-tag';

export class RegistryError extends Error {
  constructor(
    readonly code: RegistryErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'RegistryError';
  }
}

export interface TagDigestOptions {
  /** Registry hosts (host[:port]) spoken to over plain HTTP: the engine's pulls get the same list. */
  insecureRegistries?: readonly string[];
  /** One answer (of up to three requests) may take this long. Default 10 s. */
  timeoutMs?: number;
  /** For tests: another fetch. */
  fetch?: typeof fetch;
}

/** Every manifest type a pull accepts: asked for all, the registry answers with the digest a pull would get. */
const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** A tagged reference split the way a registry is asked: host, repository, tag. */
export interface TagRef {
  host: string;
  repository: string;
  tag: string;
}

/** `127.0.0.1:5000/podwarden/httpd:1` → host, repository, tag; a reference pinned by digest has no tag to ask about. */
export function parseTagRef(ref: string): TagRef {
  if (ref.includes('@')) throw new RegistryError('not-a-tag', `image ${ref} is pinned by digest: no tag to ask about`);
  const full = fullyQualifiedRef(ref.trim());
  const host = registryHostOf(full);
  const rest = full.slice(host.length + 1);
  const colon = rest.lastIndexOf(':');
  const repository = colon > rest.lastIndexOf('/') && colon >= 0 ? rest.slice(0, colon) : rest;
  const tag = colon > rest.lastIndexOf('/') && colon >= 0 ? rest.slice(colon + 1) : 'latest';
  return { host, repository, tag };
}

/** Resolves with `sha256:…`, the digest the registry serves for `ref`'s tag now, or rejects with a RegistryError. */
export async function tagDigest(ref: string, options: TagDigestOptions = {}): Promise<string> {
  const { host, repository, tag } = parseTagRef(ref);
  const plain = options.insecureRegistries?.includes(host) ?? false;
  const origin = `${plain ? 'http' : 'https'}://${host === 'docker.io' ? 'registry-1.docker.io' : host}`;
  const url = `${origin}/v2/${repository}/manifests/${encodeURIComponent(tag)}`;
  const doFetch = options.fetch ?? fetch;
  const signal = AbortSignal.timeout(options.timeoutMs ?? 10_000);
  const where = `registry ${host} (image ${ref})`;

  const ask = async (method: 'HEAD' | 'GET', token?: string): Promise<Response> => {
    try {
      return await doFetch(url, {
        method,
        headers: { Accept: MANIFEST_TYPES, ...(token ? { Authorization: `Bearer ${token}` } : {}) },
        signal,
        // A manifest is answered where it is asked: a redirect (perhaps to plain HTTP or inside the host) is a bad answer.
        redirect: 'manual',
      });
    } catch (error) {
      throw new RegistryError('unreachable', `${where} cannot be reached: ${networkWords(error, plain)}`);
    }
  };

  let token: string | undefined;
  let answer = await ask('HEAD');
  if (answer.status === 401) {
    token = await anonymousToken(
      answer.headers.get('www-authenticate'),
      doFetch,
      signal,
      where,
      options.insecureRegistries ?? [],
    );
    answer = await ask('HEAD', token);
  }
  if (answer.status === 401 || answer.status === 403)
    throw new RegistryError('denied', `${where} wants credentials podwarden does not have (HTTP ${answer.status})`);
  if (answer.status === 404)
    throw new RegistryError('not-found', `${where} has no tag ${tag} in ${repository} (HTTP 404)`);
  if (answer.status !== 200) throw new RegistryError('bad-answer', `${where} answered HTTP ${answer.status}`);
  const said = answer.headers.get('docker-content-digest');
  if (said !== null && DIGEST.test(said)) return said;
  // Some registries leave the header out of a HEAD: the digest is then the manifest's own sha256.
  const body = await ask('GET', token);
  if (body.status !== 200) throw new RegistryError('bad-answer', `${where} answered HTTP ${body.status} to GET`);
  const manifest = await cappedBody(body, MAX_MANIFEST_BYTES, `${where}: its manifest`);
  return `sha256:${createHash('sha256').update(manifest).digest('hex')}`;
}

/** The OCI distribution spec's limit for a manifest a registry must accept; a token answer is far smaller. */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
const MAX_TOKEN_BYTES = 64 * 1024;

/** The body of `answer`, refused once it passes `max` bytes: an untrusted registry cannot fill podwarden's memory. */
async function cappedBody(answer: Response, max: number, what: string): Promise<Buffer> {
  const tooBig = () => new RegistryError('bad-answer', `${what} is larger than ${max} bytes`);
  if (Number(answer.headers.get('content-length') ?? 0) > max) {
    await answer.body?.cancel().catch(() => undefined);
    throw tooBig();
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (answer.body) {
    for await (const chunk of answer.body as unknown as AsyncIterable<Uint8Array>) {
      size += chunk.byteLength;
      if (size > max) throw tooBig();
      chunks.push(chunk);
    }
  }
  return Buffer.concat(chunks);
}

/**
 * The token service a registry's 401 names, if podwarden may ask it: HTTPS, or plain HTTP to a
 * host the owner listed as insecure; never a loopback or link-local address the owner did not
 * list (the realm comes from a registry the manifest chose).
 */
function realmUrl(realm: string, where: string, insecureRegistries: readonly string[]): URL {
  let url: URL;
  try {
    url = new URL(realm);
  } catch {
    throw new RegistryError('bad-answer', `${where} names a token service that is not a URL`);
  }
  const listed = insecureRegistries.includes(url.host);
  const local = /^(127\.|169\.254\.|0\.|\[::1?\]$|\[fe80:|localhost$)/i.test(url.hostname);
  if (!(url.protocol === 'https:' || (url.protocol === 'http:' && listed)) || (local && !listed) || url.username)
    throw new RegistryError(
      'denied',
      `${where} names a token service podwarden will not ask (${url.protocol}//${url.host})`,
    );
  return url;
}

/** `Bearer realm="…",service="…",scope="…"` → an anonymous token from the realm (Docker's token protocol). */
async function anonymousToken(
  challenge: string | null,
  doFetch: typeof fetch,
  signal: AbortSignal,
  where: string,
  insecureRegistries: readonly string[],
): Promise<string> {
  const params = Object.fromEntries(
    [...(challenge ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((match) => [match[1]!.toLowerCase(), match[2]!]),
  );
  if (!/^bearer /i.test(challenge ?? '') || !params.realm)
    throw new RegistryError('denied', `${where} wants credentials podwarden does not have (HTTP 401)`);
  const url = realmUrl(params.realm, where, insecureRegistries);
  if (params.service) url.searchParams.set('service', params.service);
  if (params.scope) url.searchParams.set('scope', params.scope);
  let answer: Response;
  try {
    answer = await doFetch(url, { signal, redirect: 'manual' });
  } catch (error) {
    throw new RegistryError(
      'unreachable',
      `${where}: its token service ${url.host} cannot be reached: ${networkWords(error, false)}`,
    );
  }
  if (answer.status !== 200)
    throw new RegistryError(
      'denied',
      `${where} refused an anonymous token (HTTP ${answer.status}): it wants credentials`,
    );
  const text = (await cappedBody(answer, MAX_TOKEN_BYTES, `${where}: its token answer`)).toString('utf8');
  const body = (() => {
    try {
      return JSON.parse(text) as { token?: unknown; access_token?: unknown };
    } catch {
      return {};
    }
  })();
  const token = typeof body.token === 'string' ? body.token : body.access_token;
  if (typeof token !== 'string' || token === '')
    throw new RegistryError('bad-answer', `${where}: its token service gave no token`);
  return token;
}

/** Node's fetch says "fetch failed"; the cause says what. */
function networkWords(error: unknown, plain: boolean): string {
  const cause = (error as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  if ((error as { name?: string })?.name === 'TimeoutError') return 'no answer in time';
  const code = cause?.code ?? '';
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'its name does not resolve';
  if (code.startsWith('ERR_SSL') || /ssl|tls|certificate/i.test(cause?.message ?? ''))
    return `TLS failed (${cause?.message ?? code})${plain ? '' : '; a plain-HTTP registry must be in insecureRegistries'}`;
  return cause?.message ?? (error instanceof Error ? error.message : String(error));
}
