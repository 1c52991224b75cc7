import { randomBytes } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LABELS } from '../../src/domain/labels.js';
import { capturedLog } from '../support/captured-log.js';
import { freePort } from '../support/free-port.js';
import { until } from '../support/until.js';
import { image } from './support/env.js';
import { recordingPodmanCalls } from './support/engine-spy.js';
import { createLaneDaemon, nextTransition, waitForState, type LaneDaemon } from './support/orchestrator-fixture.js';
import { inspectJson, startEventRecorder } from './support/podman-cli.js';
import { INSTALL_PATH, START_PATH } from '../support/lifecycle-paths.js';

/**
 * Rendered files on real podman: busybox httpd serves the app's data dir, where podwarden
 * renders index.html from a template and a values file holding a secret.
 */

const PASS_MS = 1_000;
let daemon: LaneDaemon;
let log: ReturnType<typeof capturedLog>;

beforeEach(async () => {
  daemon = await createLaneDaemon();
  log = capturedLog();
});
afterEach(async () => {
  await daemon.cleanup();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What httpd serves; right after a (re)start it may not listen yet, so a refused connection is retried for a while. */
async function fetchText(port: number): Promise<string> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/index.html`);
      return await response.text();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(50);
    }
  }
}

describe('rendered files on real podman', () => {
  it('a rotated secret is rewritten atomically and restarts the app exactly once; the same content writes nothing; no secret is logged', async () => {
    const first = `s3cret-${randomBytes(6).toString('hex')}`;
    const second = `r0tated-${randomBytes(6).toString('hex')}`;
    const port = await freePort();
    const secrets = join(daemon.stateDir, 'secrets');
    await mkdir(secrets, { recursive: true });
    await writeFile(join(secrets, 'web.env'), `PASSWORD=${first}\n`);
    await daemon.writeManifest(
      'web',
      {
        image: image('httpd'),
        command: ['sh', '-c', 'trap "exit 0" TERM INT; httpd -f -p 8080 -h /www & wait'],
        ports: [`127.0.0.1:${port}:8080`],
        volumes: ['./www:/www:ro'],
      },
      { files: [{ path: 'www/index.html', template: 'password={{PASSWORD}}\n' }], values: 'web.env' },
    );
    const recorder = startEventRecorder(`${LABELS.owner}=${daemon.instance}`);
    const counted = recordingPodmanCalls('start');
    const orchestrator = await daemon.boot({ intervalMs: PASS_MS, logger: log.logger, engine: counted.engine });
    const seen: string[] = [];
    orchestrator.transitions$.subscribe((t) => t.appId === 'web' && seen.push(t.to));
    await orchestrator.install('web');
    const { containerId } = await waitForState(orchestrator, 'web', 'running');
    const file = join(daemon.stateDir, 'apps', 'web', 'www', 'index.html');
    expect(await readFile(file, 'utf8')).toBe(`password=${first}\n`);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await fetchText(port)).toBe(`password=${first}\n`);

    // Quiet passes render the same content: nothing is written, nothing restarts.
    const before = await stat(file);
    await sleep(3.5 * PASS_MS);
    const unchanged = await stat(file);
    expect([unchanged.ino, unchanged.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
    expect(counted.seen).toEqual([containerId]);
    expect(recorder.events.filter((e) => e.status === 'start').length).toBeLessThanOrEqual(1);
    const firstRun = (await inspectJson(daemon.containerName('web'))).State.StartedAt;

    // Rotate the secret while a reader watches the file: it only ever sees a whole old or new file.
    const reads = new Set<string>();
    let reading = true;
    const reader = (async () => {
      while (reading) {
        reads.add(await readFile(file, 'utf8'));
        await sleep(1);
      }
    })();
    // Both subscribed before the change: nothing the restart emits can slip past them.
    const restarted = nextTransition(
      orchestrator.transitions$,
      (t) => t.appId === 'web' && t.to === 'restarting',
      60_000,
    );
    const running = nextTransition(orchestrator.transitions$, (t) => t.appId === 'web' && t.to === 'running', 60_000);
    const rotatedAt = Date.now();
    await writeFile(join(secrets, 'web.env'), `PASSWORD=${second}\n`);
    const restart = await restarted;
    expect(restart.reason).toBe('a rendered file changed; restarting so the app reads it');
    const back = await running;
    // Numbers for the report, never asserted: the pass interval dominates the first one.
    console.log(
      `rotation → restarting ${restart.at - rotatedAt} ms (pass every ${PASS_MS} ms); restarting → running ${back.at - restart.at} ms`,
    );
    // The reader saw the new file at least once before it stops (a loaded machine may starve it).
    await until('the reader to see the rotated file', () => reads.has(`password=${second}\n`), 30_000);
    reading = false;
    await reader;
    expect([...reads].sort()).toEqual([`password=${first}\n`, `password=${second}\n`].sort());
    const rewritten = await stat(file);
    expect(rewritten.ino).not.toBe(before.ino);
    expect(await fetchText(port)).toBe(`password=${second}\n`);

    // More passes, same content: still exactly one restart, of the same container, counted as no crash.
    await sleep(3.5 * PASS_MS);
    expect(counted.seen).toEqual([containerId, containerId]);
    const secondRun = (await inspectJson(daemon.containerName('web'))).State.StartedAt;
    expect(Date.parse(secondRun)).toBeGreaterThan(Date.parse(firstRun));
    // podman's own record agrees, but `podman events` tails a file it rotates and may miss a
    // line now and then (see support/engine-spy.ts): it may show fewer, never more.
    const events = await recorder.stop();
    const starts = events.filter((e) => e.status === 'start');
    expect(starts.length).toBeLessThanOrEqual(2);
    expect(new Set(starts.map((e) => e.id))).toEqual(new Set([containerId]));
    expect((await stat(file)).ino).toBe(rewritten.ino);
    const row = orchestrator.status().find((r) => r.appId === 'web')!;
    expect(row).toMatchObject({ state: 'running', failures: 0, containerId });
    expect((await inspectJson(daemon.containerName('web'))).State.Status).toBe('running');
    // Installed once the gate is open, an app may first wait for a fresh look at the engine.
    expect(seen.filter((state) => state !== 'observing')).toEqual([...INSTALL_PATH, 'restarting', ...START_PATH]);

    expect(log.text()).toContain('rendered file changed');
    expect(log.text()).not.toContain(first);
    expect(log.text()).not.toContain(second);
  });

  it('refuses a "../" path and an absolute path, naming the manifest file and the field', async () => {
    await daemon.writeManifest(
      'climber',
      { image: image('sleeper') },
      { files: [{ path: 'conf/../../../etc/x', template: 'x' }] },
    );
    await daemon.writeManifest(
      'absolute',
      { image: image('sleeper') },
      {
        files: [
          { path: 'ok.conf', template: 'x' },
          { path: '/etc/podwarden-test', template: 'x' },
        ],
      },
    );
    const orchestrator = await daemon.boot({ intervalMs: PASS_MS });
    const errors = orchestrator.catalogErrors().map(String);
    expect(errors).toContain(
      `${join(daemon.catalogDir, 'climber.yml')}: app.files[0].path: "conf/../../../etc/x" contains ".."; path must stay inside the app's data directory`,
    );
    expect(errors).toContain(
      `${join(daemon.catalogDir, 'absolute.yml')}: app.files[1].path: "/etc/podwarden-test" is an absolute path; path must be relative to the app's data directory`,
    );
    await expect(orchestrator.install('climber')).rejects.toThrow(/app\.files\[0\]\.path/);
  });
});
