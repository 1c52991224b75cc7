import type { IncomingHttpHeaders } from 'node:http';

const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * With the live page on, browsers talk to the API: through loopback TCP, or through an SSH
 * tunnel to the unix socket, which needs no token. A web page elsewhere could then reach it by
 * DNS rebinding (its own name, resolved to 127.0.0.1): the browser would send that name as the
 * Host. So a request a browser sent (it carries `Origin` or `Sec-Fetch-Site`, which pages cannot
 * forge) must name a loopback host and come from the page's own origin (or an address typed in). The CLI and embedders send
 * neither header and pass as before. Returns why a request is refused, or undefined.
 */
export function foreignBrowserRequest(headers: IncomingHttpHeaders): string | undefined {
  const origin = headers.origin;
  if (origin === undefined && headers['sec-fetch-site'] === undefined) return undefined;
  const host = headers.host ?? '';
  const hostname = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0]!;
  if (!LOOPBACK_NAMES.has(hostname))
    return 'a browser may reach podwarden only as localhost, 127.0.0.1 or [::1] (through an SSH tunnel from elsewhere)';
  const site = headers['sec-fetch-site'];
  if ((origin !== undefined && origin !== `http://${host}`) || site === 'cross-site' || site === 'same-site')
    return 'a page from another origin may not use the API';
  return undefined;
}
