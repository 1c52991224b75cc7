import { hostname } from 'node:os';
import { Option } from 'commander';
import type { Logger } from '../log.js';

/** `--ui`: serve the live page at /ui/ on the API's listeners. */
export function uiOption(): Option {
  return new Option(
    '--ui',
    "serve the live page at /ui/ on the API's listeners (works offline): loopback TCP with --api-port and the token, or the unix socket through an SSH tunnel",
  ).env('PODWARDEN_UI');
}

/**
 * Tells the operator where the page is. The token itself never goes to the log: the address
 * says where it goes (after `#`, so the browser never sends it in a URL; the page sends it as
 * a bearer header).
 */
export function announceUi(listening: { socketPath: string; tcpPort?: number }, logger: Logger): void {
  if (listening.tcpPort !== undefined) {
    const url = `http://127.0.0.1:${listening.tcpPort}/ui/#token=`;
    logger.info({ url: `${url}<api token>` }, `live page: open ${url}<your --api-token> in a browser on this machine`);
  }
  logger.info(
    `live page from another machine: ssh -L 8080:${listening.socketPath} ${hostname()}, then open http://localhost:8080/ui/`,
  );
}
