import type { FastifyInstance, FastifyRequest } from 'fastify';
import { createUiFiles } from '../../ui/ui-files.js';
import { errorBody } from '../errors.js';

const PAGE_ROUTES = new Set(['/ui', '/ui/*']);

/**
 * Only what a browser needs to render the page, from the page's own origin: no inline script or
 * style, no other host (no CDN: the page must work on a node without internet), no framing.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The live page's own files are public on the TCP listener: they are the same for everyone and
 * hold no data (the page asks the token-guarded routes for that, with the token it was given).
 */
export function isPublicUiRequest(request: FastifyRequest): boolean {
  return PAGE_ROUTES.has(request.routeOptions.url ?? '');
}

/**
 * GET /ui/: the live page (`podwarden run --ui`), its script and style, and the state charts
 * (GET /ui/charts/app.svg). Files come from a fixed list of names; anything else is a 404.
 */
export function uiRoutes(app: FastifyInstance): void {
  const files = createUiFiles();
  // Relative links on the page (page.js, ../v1/status) need the trailing slash.
  app.get('/ui', async (_request, reply) => reply.code(308).header('location', '/ui/').send());
  app.get<{ Params: { '*': string } }>('/ui/*', async (request, reply) => {
    const name = request.params['*'] === '' ? 'index.html' : request.params['*'];
    const file = await files.read(name);
    if (!file)
      return reply
        .code(404)
        .send(errorBody('not-found', `the live page has no file ${JSON.stringify(name.slice(0, 60))}`));
    return reply
      .header('content-type', file.contentType)
      .header('content-security-policy', CONTENT_SECURITY_POLICY)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('cache-control', 'no-cache')
      .send(file.body);
  });
}
