/**
 * Raw calls through dockerode's modem, for endpoints dockerode has no method for (libpod
 * pull and list) or whose method would misuse the request (create copies its body into the
 * URL). Failures arrive as docker-modem errors: callers turn them into EngineErrors.
 */
import type { IncomingMessage } from 'node:http';
import type Docker from 'dockerode';

export interface DialOptions {
  path: string;
  method: 'GET' | 'POST';
  options: Record<string, unknown>;
  abortSignal: AbortSignal;
  statusCodes: Record<number, boolean | string>;
}

export function dialJson(docker: Docker, options: DialOptions): Promise<unknown> {
  return new Promise((resolve, reject) => {
    docker.modem.dial(options, (error: unknown, data: unknown) => (error ? reject(error) : resolve(data)));
  });
}

export function dialStream(docker: Docker, options: Omit<DialOptions, 'statusCodes'>): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    docker.modem.dial(
      { ...options, isStream: true, statusCodes: { 200: true, 400: 'bad parameter', 500: 'server error' } },
      (error: unknown, data: unknown) => (error ? reject(error) : resolve(data as IncomingMessage)),
    );
  });
}
