import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { appProbes } from '../../src/manifest/app-probes.js';
import { errors as errorsOf, parsed as parseYaml } from './parse-helpers.js';

const FILE = 'catalog/web.yml';

function yaml(probes: unknown, container: Record<string, unknown> = {}): string {
  return stringify({
    app: {
      id: 'web',
      name: 'Web',
      version: '1',
      container: { image: '127.0.0.1:5000/podwarden/httpd:1', ...container },
      ...(probes === undefined ? {} : { probes }),
    },
  });
}

const parsed = (text: string) => parseYaml(text, FILE);
const errors = (text: string) => errorsOf(text, FILE);

describe('manifest probes', () => {
  it('take kubelet defaults and durations in manifest style', () => {
    const manifest = parsed(
      yaml({
        liveness: { http: { path: '/health', port: 8080 } },
        readiness: { tcp: { port: 8080 }, interval: '2s', startPeriod: '1m' },
      }),
    );
    expect(appProbes(manifest)).toEqual({
      liveness: {
        check: { kind: 'http', path: '/health', port: 8080 },
        intervalMs: 10_000,
        timeoutMs: 1_000,
        failureThreshold: 3,
        successThreshold: 1,
        startPeriodMs: 0,
      },
      readiness: {
        check: { kind: 'tcp', port: 8080 },
        intervalMs: 2_000,
        timeoutMs: 1_000,
        failureThreshold: 3,
        successThreshold: 1,
        startPeriodMs: 60_000,
      },
      onLivenessFailure: 'restart',
    });
  });

  it('use the container healthcheck as the liveness probe when none is declared', () => {
    const manifest = parsed(
      yaml(undefined, {
        healthcheck: {
          test: ['CMD-SHELL', 'wget -q -O /dev/null http://127.0.0.1:8080/'],
          interval: '5s',
          timeout: '2s',
          retries: 2,
        },
      }),
    );
    expect(appProbes(manifest)?.liveness).toEqual({
      check: { kind: 'exec', command: ['/bin/sh', '-c', 'wget -q -O /dev/null http://127.0.0.1:8080/'] },
      intervalMs: 5_000,
      timeoutMs: 2_000,
      failureThreshold: 2,
      successThreshold: 1,
      startPeriodMs: 0,
    });
    expect(appProbes(parsed(yaml(undefined)))).toBeUndefined();
  });

  it('refuse a probe without exactly one check, naming the file and field', () => {
    expect(errors(yaml({ liveness: { interval: '1s' } })).join('\n')).toMatch(
      /catalog\/web\.yml: app\.probes\.liveness: a probe needs exactly one of "http", "tcp" or "exec", found none/,
    );
    expect(errors(yaml({ readiness: { tcp: { port: 1 }, exec: { command: ['true'] } } })).join('\n')).toMatch(
      /found tcp and exec/,
    );
  });

  it('refuse bad fields with clear errors', () => {
    expect(errors(yaml({ liveness: { http: { path: 'health', port: 8080 } } })).join('\n')).toMatch(
      /app\.probes\.liveness\.http\.path: path must start with "\/"/,
    );
    expect(errors(yaml({ liveness: { tcp: { port: 8080 }, failureThreshold: 0 } })).join('\n')).toMatch(
      /failureThreshold must be at least 1/,
    );
    expect(errors(yaml({ onLivenessFailure: 'reboot' })).join('\n')).toMatch(
      /expected "restart" or "recreate", got "reboot"/,
    );
    expect(errors(yaml({ liveness: { tcp: { port: 8080 }, intervall: '1s' } })).join('\n')).toMatch(/intervall/);
  });
});
