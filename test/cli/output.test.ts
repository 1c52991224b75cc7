import { createServer, type Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { catalogCommand } from '../../src/cli/commands/catalog.js';
import { eventsCommand } from '../../src/cli/commands/events.js';
import { planCommand } from '../../src/cli/commands/plan.js';
import { statusCommand } from '../../src/cli/commands/status.js';

// The listing commands against a stand-in daemon on a unix socket: what each -o and -q prints.

const since = Date.now() - 5 * 60_000;
const ANSWERS: Record<string, unknown> = {
  '/v1/status': {
    apps: [
      { appId: 'bitcoind', state: 'running', desired: 'running', reason: 'running', failures: 0, ready: true, since },
      {
        appId: 'bitcoind',
        companion: 'ui',
        state: 'backoff',
        desired: 'running',
        reason: 'exited with code 1',
        failures: 2,
      },
    ],
  },
  '/v1/plan': {
    plan: [
      { appId: 'bitcoind', state: 'running', desired: 'running', action: 'none', change: 'no change', why: 'running' },
      {
        appId: 'electrs',
        state: 'stopped',
        desired: 'running',
        action: 'create',
        change: 'create',
        why: 'no container',
      },
    ],
  },
  '/v1/catalog': {
    apps: [
      {
        appId: 'bitcoind',
        name: 'Bitcoin Core',
        version: '27.0',
        image: 'reg/bitcoind:27',
        file: 'b.yml',
        installed: true,
        desired: 'running',
      },
    ],
    errors: [],
  },
  '/v1/transitions': {
    transitions: [
      {
        appId: 'bitcoind',
        companion: 'ui',
        from: 'running',
        to: 'backoff',
        reason: 'killed by SIGKILL outside podwarden (exit 137)',
        failures: 1,
        ready: false,
        at: Date.parse('2026-12-06T12:00:00Z'),
      },
    ],
  },
};

let dir: string;
let socket: string;
let server: Server;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'podwarden-output-'));
  socket = join(dir, 'api.sock');
  server = createServer((req, res) => {
    const answer = ANSWERS[(req.url ?? '').split('?')[0]!];
    res.writeHead(answer ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(answer ?? { error: { code: 'not-found', message: 'no' } }));
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

/** What the command prints to stdout (not a terminal here: no colour, nothing cut). */
async function output(command: ReturnType<typeof statusCommand>, ...args: string[]): Promise<string> {
  let text = '';
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    text += String(chunk);
    return true;
  });
  try {
    command.exitOverride();
    await command.parseAsync(['node', command.name(), '--socket', socket, ...args]);
  } finally {
    write.mockRestore();
  }
  return text;
}

describe('status', () => {
  it('prints the table with AGE', async () => {
    const text = await output(statusCommand());
    expect(text.split('\n')[0]).toBe('NAME          STATE     READY   RESTARTS   AGE   REASON');
    expect(text).toMatch(/^bitcoind {6}running {3}yes {5}0 {10}5m {4}running$/m);
    expect(text).not.toContain('\u001b[');
  });

  it('-q: the ids, companions as app/companion', async () => {
    expect(await output(statusCommand(), '-q')).toBe('bitcoind\nbitcoind/ui\n');
  });

  it('-o json and --json: the rows as data', async () => {
    const json = JSON.parse(await output(statusCommand(), '-o', 'json'));
    expect(json).toEqual((ANSWERS['/v1/status'] as { apps: unknown }).apps);
    expect(JSON.parse(await output(statusCommand(), '--json'))).toEqual(json);
  });

  it('-o yaml: the same data as YAML', async () => {
    expect(parse(await output(statusCommand(), '-o', 'yaml'))).toEqual(
      (ANSWERS['/v1/status'] as { apps: unknown }).apps,
    );
  });

  it('-o wide: the container column', async () => {
    expect((await output(statusCommand(), '-o', 'wide')).split('\n')[0]).toContain('CONTAINER');
  });

  it('refuses an -o it does not know, naming the choices', async () => {
    const errors = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      await expect(output(statusCommand(), '-o', 'xml')).rejects.toThrow(/Allowed choices are wide, json, yaml/);
    } finally {
      errors.mockRestore();
    }
  });
});

describe('plan, catalog and events', () => {
  it('plan: a table; -q the ids the pass would change; -o yaml the entries', async () => {
    const text = await output(planCommand());
    expect(text.split('\n')[0]).toBe('NAME       NOW                      WOULD       BECAUSE');
    expect(text).toContain('1 app(s) would change');
    expect(await output(planCommand(), '-q')).toBe('electrs\n');
    expect(parse(await output(planCommand(), '-o', 'yaml'))).toEqual((ANSWERS['/v1/plan'] as { plan: unknown }).plan);
  });

  it('catalog: a table; -q the app ids; -o json the answer', async () => {
    const text = await output(catalogCommand());
    expect(text.split('\n')[0]).toBe('NAME       INSTALLED   VERSION   IMAGE             TITLE');
    expect(text).toContain('bitcoind   running     27.0      reg/bitcoind:27   Bitcoin Core');
    expect(await output(catalogCommand(), '-q')).toBe('bitcoind\n');
    expect(JSON.parse(await output(catalogCommand(), '-o', 'json'))).toEqual(ANSWERS['/v1/catalog']);
  });

  it('events: a line each, the companion named; -o json one object a line; -o yaml a document each', async () => {
    expect(await output(eventsCommand())).toBe(
      '12:00:00 bitcoind/ui: running → backoff (killed by SIGKILL outside podwarden (exit 137)) [failures 1]\n',
    );
    const transitions = (ANSWERS['/v1/transitions'] as { transitions: unknown[] }).transitions;
    expect(JSON.parse(await output(eventsCommand(), '-o', 'json'))).toEqual(transitions[0]);
    expect(await output(eventsCommand(), '-o', 'yaml')).toMatch(/^---\nappId: bitcoind\ncompanion: ui\n/);
  });
});
