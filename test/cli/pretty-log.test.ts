import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';

describe('the daemon log on a terminal (pretty)', () => {
  it('is one line per event, its fields inline, secrets redacted; an err is one more line, without its stack', () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    const log = createLogger({ format: 'pretty', destination: out });
    log.info({ appId: 'web', from: 'running', to: 'backoff', env: { PASSWORD: 'hunter2' } }, 'transition');
    log.warn({ app: 'db', step: 'pull', error: { code: 'disk-full' } }, 'pull refused');
    log.warn({ app: 'db', step: 'start', err: new Error('no space\nleft on device') }, 'start failed');
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/INFO.*transition.*"appId":"web","from":"running","to":"backoff"/);
    expect(lines[1]).toMatch(/WARN.*pull refused.*"app":"db","step":"pull","error":\{"code":"disk-full"\}/);
    expect(lines[2]).toMatch(/WARN.*start failed.*"app":"db","step":"start"/);
    // pino-pretty always puts pino's error key on a line of its own; at least it is one line.
    expect(lines[3]).toMatch(/^\s+err: Error: no space left on device$/);
    expect(text).not.toContain('hunter2');
  });
});
