import type { FastifyInstance } from 'fastify';
import type { Orchestrator } from '../../orchestrator.js';
import { APP_PARAMS, type AppParams, type RouteContext } from './context.js';

const COMMANDS = {
  install: (orchestrator: Orchestrator, appId: string) => orchestrator.install(appId),
  uninstall: (orchestrator: Orchestrator, appId: string) => orchestrator.uninstall(appId),
  start: (orchestrator: Orchestrator, appId: string) => orchestrator.startApp(appId),
  stop: (orchestrator: Orchestrator, appId: string) => orchestrator.stopApp(appId),
  restart: (orchestrator: Orchestrator, appId: string) => orchestrator.restartApp(appId),
} as const;

export type AppCommandName = keyof typeof COMMANDS;

/**
 * POST /v1/apps/:id/{install,uninstall,start,stop,restart,move}. The answer (202) means the owner's
 * intent is saved and the app's machine has it; the work follows (watch /v1/events). A body
 * is optional; when sent it must be a JSON object without fields podwarden does not know.
 */
export function commandRoutes(app: FastifyInstance, { orchestrator }: RouteContext): void {
  for (const [name, run] of Object.entries(COMMANDS)) {
    app.post<{ Params: AppParams }>(
      `/v1/apps/:id/${name}`,
      {
        schema: {
          params: APP_PARAMS,
          body: { type: ['object', 'null'], additionalProperties: false, properties: {} },
        },
      },
      async (request, reply) => {
        await run(orchestrator, request.params.id);
        return reply.code(202).send({ appId: request.params.id, command: name, accepted: true });
      },
    );
  }

  // POST /v1/apps/:id/move {"file": "bitcoind-v2.yml"}: the app speaks through another catalog file from now on.
  app.post<{ Params: AppParams; Body: { file: string } }>(
    '/v1/apps/:id/move',
    {
      schema: {
        params: APP_PARAMS,
        body: {
          type: 'object',
          required: ['file'],
          additionalProperties: false,
          properties: { file: { type: 'string', minLength: 1, maxLength: 4096 } },
        },
      },
    },
    async (request, reply) => {
      await orchestrator.moveApp(request.params.id, request.body.file);
      return reply.code(200).send({ appId: request.params.id, command: 'move', file: request.body.file, done: true });
    },
  );
}
