import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { watchDaemonSignals } from '../../src/cli/daemon-signals.js';
import { capturedLog } from '../support/captured-log.js';

function setup() {
  const target = new EventEmitter();
  const signals = watchDaemonSignals(target);
  const log = capturedLog();
  const reloads: Array<() => void> = [];
  const reload = () => new Promise<void>((resolve) => reloads.push(resolve));
  return { target, signals, log, reloads, reload };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('the daemon hears its signals from its first instruction', () => {
  it('a SIGHUP during start-up is queued, said in the log (even before the logger exists), and reloads once running', async () => {
    const { target, signals, log, reloads, reload } = setup();
    target.emit('SIGHUP');
    target.emit('SIGHUP');
    signals.useLogger(log.logger);
    expect(
      log
        .text()
        .split('\n')
        .filter((line) => line.includes('SIGHUP during start-up: the catalog is reloaded once start-up is done')),
    ).toHaveLength(2);
    void signals.running({ reload });
    await flush();
    expect(reloads).toHaveLength(1);
  });

  it('reloads one at a time, with one more queued behind a reload under way', async () => {
    const { target, signals, reloads, reload } = setup();
    void signals.running({ reload });
    target.emit('SIGHUP');
    target.emit('SIGHUP');
    target.emit('SIGHUP');
    expect(reloads).toHaveLength(1);
    reloads[0]!();
    await flush();
    expect(reloads).toHaveLength(2);
    reloads[1]!();
    await flush();
    expect(reloads).toHaveLength(2);
  });

  it('a SIGTERM during start-up stops the daemon as soon as start-up is done', async () => {
    const { target, signals, log, reload } = setup();
    signals.useLogger(log.logger);
    target.emit('SIGTERM');
    expect(signals.stopAsked).toBe(true);
    await expect(signals.running({ reload })).resolves.toBe('SIGTERM');
    expect(log.text().includes('SIGTERM during start-up: stopping as soon as start-up is done')).toBe(true);
  });

  it('while stopping, SIGHUP is ignored and a second SIGTERM is said, not obeyed', async () => {
    const { target, signals, log, reloads, reload } = setup();
    signals.useLogger(log.logger);
    const stopped = signals.running({ reload });
    target.emit('SIGINT');
    await expect(stopped).resolves.toBe('SIGINT');
    target.emit('SIGHUP');
    target.emit('SIGTERM');
    expect(reloads).toHaveLength(0);
    expect(log.text().includes('SIGHUP while stopping: ignored')).toBe(true);
    expect(log.text().includes('SIGTERM: already stopping')).toBe(true);
  });
});
