import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { appMachine } from '../../machines/app.machine.js';
import { companionUnitMachine } from '../../machines/companion-unit.machine.js';
import { foreignBrowserRequest } from '../../src/api/browser-guard.js';
import { createApiClient } from '../../src/api/client.js';
import { UI_FILE_NAMES } from '../../src/ui/ui-files.js';
import { createApiDaemon, type ApiDaemon } from './api-daemon.js';

/**
 * The live page's routes (`run --ui`) and the rules its files keep. The page itself is driven
 * in a real browser against real podman by test/podman/live-page.test.ts.
 */

const TOKEN = 'a-long-enough-test-token';
let daemon: ApiDaemon | undefined;
afterEach(async () => {
  await daemon?.cleanup();
  daemon = undefined;
});

describe('GET /ui/ (run --ui)', () => {
  it('is not served unless asked for', async () => {
    daemon = await createApiDaemon();
    expect((await daemon.client.raw('GET', '/ui/')).status).toBe(404);
  });

  it('serves the page, its scripts and the charts without the token on TCP; the data still needs it', async () => {
    daemon = await createApiDaemon({ ui: true, tcpToken: TOKEN });
    const anonymous = createApiClient({ host: '127.0.0.1', port: daemon.tcp!.port, token: '' });
    const page = await anonymous.raw('GET', '/ui/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).toContain("connect-src 'self'");
    expect(page.body).toContain('<script type="module" src="page.js">');
    for (const name of UI_FILE_NAMES) {
      const file = await anonymous.raw('GET', `/ui/${name}`);
      expect(file.status, name).toBe(200);
    }
    expect((await anonymous.raw('GET', '/ui/charts/app.svg')).headers['content-type']).toBe('image/svg+xml');
    const redirect = await anonymous.raw('GET', '/ui');
    expect([redirect.status, redirect.headers.location]).toEqual([308, '/ui/']);
    for (const path of ['/ui/nope.js', '/ui/../package.json', '/ui/%2e%2e/package.json', '/ui/charts/supervisor.mmd']) {
      const refused = await anonymous.raw('GET', path);
      expect(refused.status, path).toBe(404);
    }
    expect((await anonymous.raw('GET', '/v1/status')).status).toBe(401);
    expect((await anonymous.raw('GET', '/v1/events')).status).toBe(401);
  });

  it('refuses browsers that reach it by another name (DNS rebinding) or from another origin; the CLI passes', async () => {
    daemon = await createApiDaemon({ ui: true });
    const refused = await daemon.client.raw('GET', '/v1/status', {
      headers: { host: 'evil.example:8080', 'sec-fetch-site': 'same-origin' },
    });
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body).error.message).toContain('localhost');
    const crossOrigin = await daemon.client.raw('POST', '/v1/apps/web/stop', {
      headers: { host: 'localhost:8080', origin: 'http://evil.example' },
    });
    expect(crossOrigin.status).toBe(403);
    const tunnelled = await daemon.client.raw('GET', '/v1/status', {
      headers: { host: 'localhost:8080', 'sec-fetch-site': 'same-origin' },
    });
    expect(tunnelled.status).toBe(200);
    expect((await daemon.client.raw('GET', '/v1/status')).status).toBe(200);
  });

  it('the guard: loopback names and the same origin only, when a browser asks', () => {
    expect(foreignBrowserRequest({ host: 'localhost' })).toBeUndefined();
    expect(foreignBrowserRequest({ host: 'anything' })).toBeUndefined();
    expect(foreignBrowserRequest({ host: '[::1]:8080', origin: 'http://[::1]:8080' })).toBeUndefined();
    expect(foreignBrowserRequest({ host: '127.0.0.1:1', 'sec-fetch-site': 'none' })).toBeUndefined();
    expect(foreignBrowserRequest({ host: '127.0.0.1:1', 'sec-fetch-site': 'cross-site' })).toBeDefined();
    expect(
      foreignBrowserRequest({ host: 'localhost.evil.example', origin: 'http://localhost.evil.example' }),
    ).toBeDefined();
    expect(foreignBrowserRequest({ origin: 'http://localhost' })).toBeDefined();
  });
});

describe("the live page's files", () => {
  it('put no data in as HTML and load nothing from elsewhere (no CDN: the page must work offline)', async () => {
    for (const name of await readdir('ui')) {
      const text = await readFile(join('ui', name), 'utf8');
      expect(text, name).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function/);
      expect(text, name).not.toMatch(/(?:src|href)=["']?(?:https?:)?\/\//);
      expect(text, name).not.toMatch(/\bimport\s.*from\s+['"]https?:/);
    }
  });

  it('find every top-level state of the app and companion-unit machines in their charts, as page.js looks for them', async () => {
    for (const machine of [appMachine, companionUnitMachine]) {
      const svg = await readFile(join('visualizations', `${machine.id}.svg`), 'utf8');
      const titles = new Set(
        [...svg.matchAll(/<title>([^<]*)<\/title>/g)].map((match) => match[1]!.replace(/^cluster_/, '')),
      );
      for (const state of Object.keys(machine.root.states)) {
        expect(titles.has(`${machine.id}_${state}`), `${machine.id}: ${state}`).toBe(true);
      }
    }
  });
});
