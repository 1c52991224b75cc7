import { hostname } from 'node:os';
import { InvalidArgumentError, Option } from 'commander';
import type { Logger } from '../log.js';
import type { RunningInspector } from './stately-inspector.js';

/** The inspector's port when `--inspect` names none. */
export const DEFAULT_INSPECTOR_PORT = 5678;

export function parseInspectPort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || !Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new InvalidArgumentError(`--inspect wants a TCP port (1-65535), got "${value}"`);
  }
  return port;
}

/** `--inspect[=PORT]`: off unless given; given without a port it uses 5678. */
export function inspectOption(): Option {
  return new Option(
    '--inspect [port]',
    `serve the live Stately inspector on 127.0.0.1 (port ${DEFAULT_INSPECTOR_PORT} unless given)`,
  )
    .preset(String(DEFAULT_INSPECTOR_PORT))
    .argParser(parseInspectPort);
}

/** Starts the inspector for `podwarden run` and tells the operator how to open it. */
export async function startCliInspector(port: number, logger: Logger): Promise<RunningInspector> {
  // Loaded only when asked for: the inspector and its WebSocket server cost ~17 MB a daemon at rest does not need.
  const { startInspector } = await import('./stately-inspector.js');
  const inspector = await startInspector({ port });
  logger.info({ url: inspector.url }, `Stately inspector: open ${inspector.url} in a browser on this machine`);
  logger.info(
    `Stately inspector from another machine: ssh -L ${inspector.port}:127.0.0.1:${inspector.port} ${hostname()}, then open http://localhost:${inspector.port}/`,
  );
  return inspector;
}
