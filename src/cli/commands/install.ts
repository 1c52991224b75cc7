import { SingleBar } from 'cli-progress';
import { Option } from 'commander';
import type { AppProgress, AppStatus } from '../../orchestrator.js';
import type { Transition } from '../../streams/transitions.js';
import { parseDuration } from '../../manifest/duration.js';
import { usageParser } from '../arg-parsers.js';
import { clientAction, clientCommand, clientFor, EXIT, printJson, type ClientOptions } from '../client-command.js';
import { transitionLine } from './events.js';

/**
 * Pull progress in layers. Podman reports no byte counts and no per-layer completion (its
 * lines are "Copying blob …", then "Writing manifest"), so a layer counts as done when the
 * next one starts, and all are done when the manifest is written.
 */
export class LayerProgress {
  private readonly layers: string[] = [];
  private finished = false;
  status = 'waiting for the engine';

  update(progress: AppProgress['progress']): void {
    this.status = progress.status;
    if (progress.layer && !this.layers.includes(progress.layer)) this.layers.push(progress.layer);
    if (/writing manifest|pulled image|storing signatures|digest: sha256/i.test(progress.status)) this.finished = true;
  }

  get total(): number {
    return Math.max(1, this.layers.length);
  }

  get done(): number {
    return this.finished ? this.total : Math.max(0, this.layers.length - 1);
  }
}

/**
 * `podwarden install <app>`: asks the daemon to install, then shows the image pull (a bar on
 * a terminal, one line per progress report otherwise) and every state change, until the app
 * runs (exit 0) or fails (exit 1).
 */
export const installCommand = () =>
  clientCommand('install', 'install a catalog app and wait until it runs (shows pull progress)')
    .argument('<app>', 'the app id (see `podwarden catalog`)')
    .addOption(
      new Option('--timeout <duration>', 'give up waiting after this long (the install goes on in the daemon)')
        .default(600_000, '10m')
        .argParser(usageParser(parseDuration)),
    )
    .action(
      clientAction<[string], ClientOptions & { timeout: number }>(async (appId, options) => {
        const client = clientFor(options);
        const tty = process.stdout.isTTY === true && !options.json;
        const layers = new LayerProgress();
        const bar = tty
          ? new SingleBar({
              format: `${appId} [{bar}] {value}/{total} layers | {status}`,
              hideCursor: true,
              clearOnComplete: false,
            })
          : undefined;
        let barStarted = false;
        let settle!: (outcome: { code: number; message: string }) => void;
        const outcome = new Promise<{ code: number; message: string }>((resolve) => (settle = resolve));
        const say = (line: string) => {
          if (options.json) return;
          if (bar && barStarted) bar.stop();
          barStarted = false;
          process.stdout.write(`${line}\n`);
        };

        const stream = client.stream(`/v1/events?app=${encodeURIComponent(appId)}`, (event, data) => {
          if (event === 'progress') {
            const { progress } = data as AppProgress;
            layers.update(progress);
            if (bar) {
              if (!barStarted) bar.start(layers.total, layers.done, { status: layers.status });
              barStarted = true;
              bar.setTotal(layers.total);
              bar.update(layers.done, { status: layers.status.slice(0, 50) });
            } else if (!options.json) {
              process.stdout.write(
                `${appId}: pull ${progress.ref}: ${progress.status} (${layers.done}/${layers.total} layers)\n`,
              );
            }
          } else if (event === 'transition') {
            const transition = data as Transition;
            say(transitionLine(transition));
            if (transition.to === 'running') settle({ code: EXIT.ok, message: `${appId} is running` });
            else if (transition.to === 'backoff' || transition.to === 'failed') {
              settle({ code: EXIT.failure, message: `${appId} failed: ${transition.reason}` });
            }
          }
        });
        // The daemon went away (stopped, or crashed) before the app ran: say so now, not at --timeout.
        void stream.done.then(() =>
          settle({
            code: EXIT.unreachable,
            message: `the daemon closed the connection before ${appId} ran (it stopped or crashed); the install is saved if it was accepted: see podwarden status once it runs again`,
          }),
        );
        let poll: ReturnType<typeof setInterval> | undefined;
        let timer: ReturnType<typeof setTimeout> | undefined;
        let result: { code: number; message: string } | undefined;
        try {
          await stream.ready;
          await client.post(`/v1/apps/${encodeURIComponent(appId)}/install`);
          // Installing an installed, running app changes nothing: no transition will come.
          poll = setInterval(() => {
            client.get<AppStatus>(`/v1/apps/${encodeURIComponent(appId)}`).then(
              (row) => {
                if (row.state === 'running') settle({ code: EXIT.ok, message: `${appId} is running` });
              },
              () => undefined,
            );
          }, 1_000);
          timer = setTimeout(
            () =>
              settle({
                code: EXIT.failure,
                message: `${appId} is not running after ${options.timeout / 1000}s; the daemon keeps trying (podwarden explain ${appId})`,
              }),
            options.timeout,
          );
          result = await outcome;
        } finally {
          // An open event stream or timer would keep the CLI alive after a refused install.
          clearInterval(poll);
          clearTimeout(timer);
          stream.close();
          if (bar && barStarted) {
            if (result?.code === EXIT.ok) bar.update(layers.total);
            bar.stop();
          }
        }
        if (options.json) {
          const row = await client.get<AppStatus>(`/v1/apps/${encodeURIComponent(appId)}`).catch(() => undefined);
          printJson({ appId, ok: result.code === EXIT.ok, message: result.message, status: row });
        } else {
          (result.code === EXIT.ok ? process.stdout : process.stderr).write(`${result.message}\n`);
        }
        return result.code;
      }),
    );
