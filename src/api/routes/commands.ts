import type { FastifyInstance } from 'fastify';
import type { CommandOptions, Orchestrator } from '../../orchestrator.js';
import { APP_PARAMS, type AppParams, type RouteContext } from './context.js';

/** What a command's body may say: wait for the outcome (and how long), force an uninstall. */
interface CommandBody {
  wait?: boolean;
  timeoutSeconds?: number;
  force?: boolean;
}

const COMMANDS = {
  install: (orchestrator: Orchestrator, appId: string, options: CommandOptions) => orchestrator.install(appId, options),
  uninstall: (orchestrator: Orchestrator, appId: string, options: CommandOptions, body: CommandBody) =>
    orchestrator.uninstall(appId, { ...options, force: body.force === true }),
  start: (orchestrator: Orchestrator, appId: string, options: CommandOptions) => orchestrator.startApp(appId, options),
  stop: (orchestrator: Orchestrator, appId: string, options: CommandOptions) => orchestrator.stopApp(appId, options),
  restart: (orchestrator: Orchestrator, appId: string, options: CommandOptions) =>
    orchestrator.restartApp(appId, options),
  update: (orchestrator: Orchestrator, appId: string, options: CommandOptions) =>
    orchestrator.updateApp(appId, options),
  rollback: (orchestrator: Orchestrator, appId: string, options: CommandOptions) =>
    orchestrator.rollbackApp(appId, options),
} as const;

export type AppCommandName = keyof typeof COMMANDS;

/** How long a command waits for its outcome when the body does not say. */
const DEFAULT_WAIT_SECONDS = 300;

/**
 * POST /v1/apps/:id/{install,uninstall,start,stop,restart,update,rollback,move}. Without `wait` the answer (202)
 * means the owner's intent is saved and the app's machine has it; the work follows (watch
 * /v1/events). With `{"wait": true, "timeoutSeconds": n}` the answer (200) comes once the app
 * reached what the command asked for, with its status row; 409 `not-reached` says why it cannot,
 * 504 `timed-out` where it stands. `{"force": true}` uninstalls an app others depend on. The body
 * is optional; when sent it must be a JSON object without fields podwarden does not know.
 */
export function commandRoutes(app: FastifyInstance, { orchestrator }: RouteContext): void {
  for (const [name, run] of Object.entries(COMMANDS)) {
    app.post<{ Params: AppParams; Body: CommandBody | null }>(
      `/v1/apps/:id/${name}`,
      {
        schema: {
          params: APP_PARAMS,
          body: {
            type: ['object', 'null'],
            additionalProperties: false,
            properties: {
              wait: { type: 'boolean' },
              timeoutSeconds: { type: 'number', minimum: 1, maximum: 86_400 },
              ...(name === 'uninstall' ? { force: { type: 'boolean' } } : {}),
            },
          },
        },
      },
      async (request, reply) => {
        const body = request.body ?? {};
        const options: CommandOptions = body.wait
          ? { wait: { timeoutMs: (body.timeoutSeconds ?? DEFAULT_WAIT_SECONDS) * 1000 } }
          : {};
        const status = await run(orchestrator, request.params.id, options, body);
        if (!body.wait) return reply.code(202).send({ appId: request.params.id, command: name, accepted: true });
        return reply.code(200).send({
          appId: request.params.id,
          command: name,
          accepted: true,
          reached: true,
          ...(status ? { status } : {}),
        });
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
