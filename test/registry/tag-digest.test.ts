import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { parseTagRef, tagDigest } from '../../src/registry/tag-digest.js';

// The registry client `outdated` and `update` ask (src/registry/tag-digest.ts), against a small
// HTTP server that answers as the distribution registry does.

const DIGEST = `sha256:${'e'.repeat(64)}`;
let server: Server | undefined;
afterEach(() => server?.close());

async function registry(handle: (request: IncomingMessage, response: ServerResponse) => void): Promise<string> {
  server = createServer(handle);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('tagDigest', () => {
  it('reads Docker-Content-Digest of a HEAD of the tag, over plain HTTP for an insecure registry', async () => {
    const seen: string[] = [];
    const host = await registry((request, response) => {
      seen.push(`${request.method} ${request.url} ${request.headers.accept?.includes('oci.image.index') ?? false}`);
      response.writeHead(200, { 'Docker-Content-Digest': DIGEST }).end();
    });
    expect(await tagDigest(`${host}/podwarden/httpd:1`, { insecureRegistries: [host] })).toBe(DIGEST);
    expect(seen).toEqual(['HEAD /v2/podwarden/httpd/manifests/1 true']);
  });

  it('asks for an anonymous token when the registry wants one (Docker Hub, ghcr.io)', async () => {
    const host = await registry((request, response) => {
      if (request.url?.startsWith('/token')) {
        expect(request.url).toContain('scope=repository%3Aapp%3Apull');
        response.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ token: 't0k' }));
      } else if (request.headers.authorization === 'Bearer t0k') {
        response.writeHead(200, { 'Docker-Content-Digest': DIGEST }).end();
      } else {
        response
          .writeHead(401, {
            'WWW-Authenticate': `Bearer realm="http://${request.headers.host}/token",service="r",scope="repository:app:pull"`,
          })
          .end();
      }
    });
    expect(await tagDigest(`${host}/app:2`, { insecureRegistries: [host] })).toBe(DIGEST);
  });

  it('says clearly why it could not: no such tag, credentials wanted, unreachable', async () => {
    const host = await registry((request, response) => {
      response.writeHead(request.url?.includes('private') ? 401 : 404).end();
    });
    const options = { insecureRegistries: [host] };
    await expect(tagDigest(`${host}/app:9`, options)).rejects.toMatchObject({
      code: 'not-found',
      message: expect.stringContaining('has no tag 9 in app'),
    });
    await expect(tagDigest(`${host}/private:1`, options)).rejects.toMatchObject({
      code: 'denied',
      message: expect.stringContaining('wants credentials podwarden does not have'),
    });
    server!.close();
    await expect(tagDigest(`${host}/app:1`, options)).rejects.toMatchObject({
      code: 'unreachable',
      message: expect.stringContaining('connection refused'),
    });
  });

  it('a hostile registry cannot send podwarden elsewhere nor fill its memory', async () => {
    const host = await registry((request, response) => {
      if (request.url?.includes('redirected')) response.writeHead(307, { Location: 'http://127.0.0.1:1/x' }).end();
      else if (request.url?.includes('realm-local'))
        response.writeHead(401, { 'WWW-Authenticate': 'Bearer realm="http://169.254.169.254/token"' }).end();
      else if (request.url?.includes('realm-junk'))
        response.writeHead(401, { 'WWW-Authenticate': 'Bearer realm="not a url"' }).end();
      else if (request.method === 'HEAD') response.writeHead(200).end();
      else response.writeHead(200).end(Buffer.alloc(5 * 1024 * 1024, 'x'));
    });
    const options = { insecureRegistries: [host] };
    await expect(tagDigest(`${host}/redirected:1`, options)).rejects.toMatchObject({
      code: 'bad-answer',
      message: expect.stringContaining('HTTP 307'),
    });
    await expect(tagDigest(`${host}/realm-local:1`, options)).rejects.toMatchObject({
      code: 'denied',
      message: expect.stringContaining('names a token service podwarden will not ask (http://169.254.169.254)'),
    });
    await expect(tagDigest(`${host}/realm-junk:1`, options)).rejects.toMatchObject({
      code: 'bad-answer',
      message: expect.stringContaining('not a URL'),
    });
    // No digest header: the manifest is read to hash it, and a 5 MiB one is refused.
    await expect(tagDigest(`${host}/huge:1`, options)).rejects.toMatchObject({
      code: 'bad-answer',
      message: expect.stringContaining('its manifest is larger than 4194304 bytes'),
    });
  });

  it('splits references as a pull does, and has nothing to ask of one pinned by digest', () => {
    expect(parseTagRef('nginx')).toEqual({ host: 'docker.io', repository: 'library/nginx', tag: 'latest' });
    expect(parseTagRef('127.0.0.1:5000/a/b:1.0')).toEqual({ host: '127.0.0.1:5000', repository: 'a/b', tag: '1.0' });
    expect(() => parseTagRef(`x/y@${DIGEST}`)).toThrow(/pinned by digest/);
  });
});
