import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port.js';
import { until } from '../support/until.js';
import { REGISTRY, SAMPLE_IMAGES, image } from './support/env.js';
import {
  imageExistsLocally,
  inspectJson,
  logs,
  podman,
  PodmanCliError,
  pushUniqueTag,
  removeAllWithLabel,
  removeImage,
  startEventRecorder,
} from './support/podman-cli.js';

// Checks what scripts/setup-engine.sh promises: the sample images are in the registry, can be
// pulled without internet, and behave as their recipes say.

const LABEL = 'io.podwarden.test-run';
const RUN = `setup-smoke-${randomBytes(4).toString('hex')}`;

/** Polls `url` until it answers at all (any status); the container needs a moment to listen. */
async function fetchWhenUp(url: string, withinMs = 60_000): Promise<Response> {
  const deadline = Date.now() + withinMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      return await fetch(url, { signal: AbortSignal.timeout(2_000) });
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  throw new Error(`${url} did not answer within ${withinMs} ms: ${String(lastError)}`);
}

function runDetached(name: string, ref: string, extra: string[] = []): Promise<string> {
  return podman([
    'run',
    '--detach',
    '--tls-verify=false',
    '--label',
    `${LABEL}=${RUN}`,
    '--name',
    `${RUN}-${name}`,
    ...extra,
    ref,
  ]);
}

// The sample images this file pulls are removed again afterwards (unless they were already
// local), leaving the engine as scripts/setup-engine.sh left it for the files that follow.
const localBefore = new Set<string>();

beforeAll(async () => {
  for (const name of SAMPLE_IMAGES) {
    if (await imageExistsLocally(image(name))) {
      localBefore.add(name);
    }
  }
});

afterAll(async () => {
  await removeAllWithLabel(LABEL, RUN);
  for (const name of SAMPLE_IMAGES) {
    if (!localBefore.has(name)) {
      await removeImage(image(name));
    }
  }
});

describe('scripts/setup-engine.sh', () => {
  it('pushed every sample image to the registry as tag 1', async () => {
    for (const name of SAMPLE_IMAGES) {
      const response = await fetch(`http://${REGISTRY}/v2/podwarden/${name}/tags/list`);
      expect(response.status, `tags of podwarden/${name}`).toBe(200);
      const body = (await response.json()) as { tags: string[] | null };
      expect(body.tags ?? [], `tags of podwarden/${name}`).toContain('1');
    }
  });

  it('lets a unique tag be pulled for real, with its HEALTHCHECK intact', async () => {
    const ref = await pushUniqueTag('httpd');
    try {
      expect(await imageExistsLocally(ref)).toBe(false);
      await podman(['pull', '--quiet', '--tls-verify=false', ref]);
      expect(await imageExistsLocally(ref)).toBe(true);
      const healthcheck = JSON.parse(await podman(['image', 'inspect', '--format', '{{json .HealthCheck}}', ref])) as {
        Test?: string[];
      } | null;
      expect(healthcheck?.Test?.join(' ')).toContain('/health');
    } finally {
      await removeImage(ref);
    }
  });

  it('httpd serves its app name and /health on a published port, and stops on SIGTERM', async () => {
    const port = await freePort();
    await runDetached('httpd', image('httpd'), [
      '--publish',
      `127.0.0.1:${port}:8080`,
      '--env',
      'APP_NAME=smoke <app>',
    ]);

    const index = await fetchWhenUp(`http://127.0.0.1:${port}/`);
    expect(index.status).toBe(200);
    expect(await index.text()).toContain('smoke &lt;app&gt;');
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    expect(health.status).toBe(200);
    // The image's own check passes when run by hand (podman cannot schedule it without systemd).
    await podman(['healthcheck', 'run', `${RUN}-httpd`]);

    // A generous grace period: on a loaded machine the trap may take seconds to run.
    await podman(['stop', '--time', '30', `${RUN}-httpd`]);
    const state = (await inspectJson(`${RUN}-httpd`)).State;
    expect(state.Status).toBe('exited');
    // 0 means the trap caught SIGTERM; 137 would mean podman had to SIGKILL it.
    expect(state.ExitCode).toBe(0);
  });

  it('crasher exits with code 3 and says why on stderr; EXIT_CODE overrides the code', async () => {
    await runDetached('crasher', image('crasher'));
    expect((await podman(['wait', `${RUN}-crasher`])).trim()).toBe('3');
    const output = await logs(`${RUN}-crasher`);
    expect(output.stderr).toContain('crasher: failing on purpose with exit code 3');

    await runDetached('crasher-7', image('crasher'), ['--env', 'EXIT_CODE=7']);
    expect((await podman(['wait', `${RUN}-crasher-7`])).trim()).toBe('7');
  });

  it("the event recorder sees containers' create, start and died, in order, with their labels", async () => {
    // `podman events` tails a file podman rotates and now and then loses a line: three crashers
    // whose exits `podman wait` confirms, and the recorder must show a died (exit 3, labelled)
    // for at least one of them. What it shows must be in lifecycle order and never more than
    // happened: the record is an upper bound, so tests count podwarden's own calls instead.
    const runLabel = `${LABEL}-events`;
    const value = `${RUN}-events`;
    const names = [1, 2, 3].map((n) => `${RUN}-events-${n}`);
    const recorder = startEventRecorder(`${runLabel}=${value}`);
    try {
      for (const name of names) {
        await podman([
          'run',
          '--detach',
          '--tls-verify=false',
          '--label',
          `${LABEL}=${RUN}`,
          '--label',
          `${runLabel}=${value}`,
          '--name',
          name,
          image('crasher'),
        ]);
      }
      for (const name of names) expect((await podman(['wait', name])).trim()).toBe('3');
      const died = await until(
        () =>
          `a died event from the recorder; seen: ${recorder.events.map((e) => `${e.status}:${e.name}`).join(', ') || 'none'}`,
        () => recorder.events.find((event) => event.status === 'died'),
        30_000,
        100,
      );
      expect(died.exitCode).toBe(3);
      expect(died.attributes[runLabel]).toBe(value);
      for (const name of names) {
        const order = recorder.events.filter((event) => event.name === name).map((event) => event.status);
        for (const status of ['create', 'start', 'died'])
          expect(order.filter((s) => s === status).length, `${status} of ${name}`).toBeLessThanOrEqual(1);
        const seen = ['create', 'start', 'died'].map((status) => order.indexOf(status)).filter((index) => index >= 0);
        expect(seen, `${name}: ${order.join(', ')}`).toEqual([...seen].sort((a, b) => a - b));
      }
      expect(recorder.events.every((event) => names.includes(event.name))).toBe(true);
    } finally {
      await recorder.stop();
    }
  });

  it('unhealthy runs but fails its HEALTHCHECK, because /health is missing', async () => {
    const port = await freePort();
    await runDetached('unhealthy', image('unhealthy'), ['--publish', `127.0.0.1:${port}:8080`]);
    expect((await fetchWhenUp(`http://127.0.0.1:${port}/`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(404);
    await expect(podman(['healthcheck', 'run', `${RUN}-unhealthy`])).rejects.toBeInstanceOf(PodmanCliError);
    expect((await inspectJson(`${RUN}-unhealthy`)).State.Running).toBe(true);
  });

  it('sleeper logs the names of its environment variables, never their values', async () => {
    await runDetached('sleeper', image('sleeper'), ['--env', 'RPC_PASSWORD=s3cret-value']);
    const output = await until(
      'the sleeper to log its environment variables',
      async () => {
        const { stdout, stderr } = await logs(`${RUN}-sleeper`);
        return (stdout + stderr).includes('environment variables') ? stdout + stderr : undefined;
      },
      30_000,
      100,
    );
    expect(output).toContain('RPC_PASSWORD');
    expect(output).not.toContain('s3cret-value');
    await podman(['stop', '--time', '30', `${RUN}-sleeper`]);
    expect((await inspectJson(`${RUN}-sleeper`)).State.ExitCode).toBe(0);
  });

  it('slowstart serves /health once its warm-up is over', async () => {
    const port = await freePort();
    await runDetached('slowstart', image('slowstart'), [
      '--publish',
      `127.0.0.1:${port}:8080`,
      '--env',
      'SLOW_SECONDS=2',
    ]);
    const health = await fetchWhenUp(`http://127.0.0.1:${port}/health`);
    expect(health.status).toBe(200);
    await podman(['healthcheck', 'run', `${RUN}-slowstart`]);
  });
});
