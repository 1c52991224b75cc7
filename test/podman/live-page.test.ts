import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { LABELS } from '../../src/domain/labels.js';
import { ensureChromium, launchChromium } from '../support/browser.js';
import { freePort } from '../support/free-port.js';
import { until } from '../support/until.js';
import { daemonArgs, startDaemon, type Daemon } from './support/daemon.js';
import { image } from './support/env.js';
import { kill, removeAllWithLabel } from './support/podman-cli.js';

/**
 * `podwarden run --ui` in a real browser (Debian's chromium through playwright-core) against
 * the daemon on real podman: the page shows the app running, sees it leave `running` when its
 * container is killed behind podwarden's back, and come back. Every wait is on the page's DOM.
 */

const tag = randomBytes(3).toString('hex');
const instance = `uitest-${tag}`;
const appId = `web${tag}`;
const token = randomBytes(16).toString('hex');
const SCREENSHOT = resolve('test-results', 'live-page.png');
const PAGE_WAIT_MS = 60_000;

let root: string;
let daemon: Daemon | undefined;
let browser: Browser | undefined;
let port: number;

beforeAll(async () => {
  await ensureChromium();
  root = await mkdtemp(join(tmpdir(), 'podwarden-ui-'));
  await mkdir(join(root, 'catalog'));
  await writeFile(
    join(root, 'catalog', `${appId}.yml`),
    stringify({
      app: {
        id: appId,
        name: 'Live page test',
        version: '1',
        container: { image: image('httpd') },
        companions: [{ id: 'ui', container: { image: image('httpd') } }],
      },
    }),
  );
  port = await freePort();
  daemon = startDaemon([
    ...daemonArgs(root, instance),
    '--install',
    appId,
    '--ui',
    '--api-port',
    String(port),
    '--api-token',
    token,
  ]);
  browser = await launchChromium();
  await until(
    () => `the daemon's API listening (its output: ${daemon!.output()})`,
    () => daemon!.output().includes('live page'),
    60_000,
  );
  expect(daemon.output()).not.toContain(token);
}, 600_000);

afterAll(async () => {
  await browser?.close();
  daemon?.process.kill('SIGTERM');
  await daemon?.exited;
  await removeAllWithLabel(LABELS.owner, instance);
  await rm(root, { recursive: true, force: true });
});

describe('the live page (run --ui)', () => {
  it('without the token it says where the token goes, and shows no data', async () => {
    const page = await browser!.newPage();
    await page.goto(`http://127.0.0.1:${port}/ui/`);
    const problem = page.locator('#problem');
    await problem.waitFor({ state: 'visible', timeout: PAGE_WAIT_MS });
    expect(await problem.textContent()).toContain('#token=');
    expect(await page.locator('#apps tbody tr').count()).toBe(0);
    await page.close();
  });

  it('shows the app running, then leaving running when its container is killed, and back; its chart marks the state', async () => {
    const page = await browser!.newPage({ viewport: { width: 1400, height: 1000 } });
    const asked: URL[] = [];
    page.on('request', (request) => asked.push(new URL(request.url())));
    const failures: string[] = [];
    page.on('pageerror', (error) => failures.push(error.message));
    page.on('requestfailed', (request) => failures.push(`${request.url()}: ${request.failure()?.errorText}`));

    await page.goto(`http://127.0.0.1:${port}/ui#token=${token}`);
    // The token leaves the address bar at once (it stays in the tab's session storage).
    expect(page.url()).toBe(`http://127.0.0.1:${port}/ui/`);
    await page.locator('#connection[data-state="live"]').waitFor({ timeout: PAGE_WAIT_MS });
    await page.locator(`tr[data-key="${appId}"] .state[data-state="running"]`).waitFor({ timeout: PAGE_WAIT_MS });
    // Its companion has a row of its own, under the app, with the same machine's chart.
    await page
      .locator(`tr.companion[data-key="${appId}/ui"] .state[data-state="running"]`)
      .waitFor({ timeout: PAGE_WAIT_MS });
    await page.locator(`tr[data-key="${appId}/ui"]`).click();
    await page.locator('#chart .current[data-state="running"]').waitFor({ timeout: PAGE_WAIT_MS });
    expect(await page.locator('#detail-key').textContent()).toBe(`${appId}/ui`);
    await page.locator(`tr[data-key="${appId}"]`).click();
    await page.locator('#chart .current[data-state="running"]').waitFor({ timeout: PAGE_WAIT_MS });
    expect(await page.locator('#chart .current > title').textContent()).toBe('cluster_app_running');
    const restartsBefore = Number(
      await page.locator(`tr[data-key="${appId}"] td[data-field="restarts"]`).textContent(),
    );

    // Every state the row is drawn with from now on, including ones replaced within one task.
    await page.evaluate((key) => {
      const seen: string[] = [];
      (window as unknown as { seen: string[] }).seen = seen;
      new MutationObserver((records) => {
        for (const record of records)
          for (const node of record.addedNodes)
            if (node instanceof HTMLElement && node.dataset.key === key)
              seen.push(node.querySelector('.state')?.textContent ?? '');
      }).observe(document.querySelector('#apps tbody')!, { childList: true });
    }, appId);

    const killedAt = Date.now();
    await kill(`podwarden-${appId}`);

    await page.waitForFunction(
      () => (window as unknown as { seen: string[] }).seen.some((state) => state !== 'running'),
      undefined,
      { timeout: PAGE_WAIT_MS },
    );
    await page.waitForFunction(
      ({ key, before }) => {
        const row = document.querySelector(`tr[data-key="${key}"]`);
        return (
          row?.querySelector('.state')?.textContent === 'running' &&
          Number(row.querySelector('td[data-field="restarts"]')?.textContent) > before
        );
      },
      { key: appId, before: restartsBefore },
      { timeout: PAGE_WAIT_MS },
    );
    const backAfterMs = Date.now() - killedAt;
    const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen);
    // For the report, never asserted: what the page drew, and how long until it showed running again.
    console.log(`the page drew ${appId} as: ${seen.join(' → ')}; running again ${backAfterMs} ms after the kill`);
    expect(seen.findIndex((state) => state !== 'running')).toBeGreaterThanOrEqual(0);
    expect(seen.at(-1)).toBe('running');
    expect(await page.locator(`tr[data-key="${appId}"] td[data-field="transitions"]`).textContent()).toContain(
      '→ running',
    );
    // Were podman's kill event lost (its event log loses a line now and then), the death reads as an exit.
    expect(await page.locator(`tr[data-key="${appId}"] td[data-field="reason"]`).textContent()).toMatch(
      /killed by SIGKILL outside podwarden|exited with code 137/,
    );
    await page.locator('#chart .current[data-state="running"]').waitFor({ timeout: PAGE_WAIT_MS });

    // The change came over the one event stream: the snapshot was read once, the stream opened once.
    expect(asked.filter((url) => url.pathname === '/v1/status')).toHaveLength(1);
    expect(asked.filter((url) => url.pathname === '/v1/events')).toHaveLength(1);
    // Nothing but the daemon's own address was asked for (no CDN, no internet).
    expect(asked.filter((url) => url.protocol !== 'data:' && url.origin !== `http://127.0.0.1:${port}`)).toEqual([]);
    expect(failures).toEqual([]);

    await mkdir('test-results', { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    console.log(`live page screenshot: ${SCREENSHOT}`);
    await page.close();
  });
});
