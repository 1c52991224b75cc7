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
        redirect: 'follow',
      });
    } catch (error) {
      throw new RegistryError('unreachable', `${where} cannot be reached: ${networkWords(error, plain)}`);
    }
  };

  let token: string | undefined;
  let answer = await ask('HEAD');
  if (answer.status === 401) {
    token = await anonymousToken(answer.headers.get('www-authenticate'), doFetch, signal, where);
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
  return `sha256:${createHash('sha256')
    .update(Buffer.from(await body.arrayBuffer()))
    .digest('hex')}`;
}

/** `Bearer realm="…",service="…",scope="…"` → an anonymous token from the realm (Docker's token protocol). */
async function anonymousToken(
  challenge: string | null,
  doFetch: typeof fetch,
  signal: AbortSignal,
  where: string,
): Promise<string> {
  const params = Object.fromEntries(
    [...(challenge ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((match) => [match[1]!.toLowerCase(), match[2]!]),
  );
  if (!/^bearer /i.test(challenge ?? '') || !params.realm)
    throw new RegistryError('denied', `${where} wants credentials podwarden does not have (HTTP 401)`);
  const url = new URL(params.realm);
  if (params.service) url.searchParams.set('service', params.service);
  if (params.scope) url.searchParams.set('scope', params.scope);
  let answer: Response;
  try {
    answer = await doFetch(url, { signal });
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
  const body = (await answer.json().catch(() => ({}))) as { token?: unknown; access_token?: unknown };
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
