import { describe, expect, it } from 'vitest';
import { renderServiceUnit, SERVICE_ENVIRONMENT } from '../../src/service/service-unit.js';

describe('the service unit', () => {
  it("runs podwarden with the service environment (glibc's arena cap), in [Service]", () => {
    const unit = renderServiceUnit({
      scope: 'system',
      command: ['/usr/bin/node', '/opt/podwarden/dist/src/cli/main.js', 'run', '--catalog', '/srv/catalog'],
      workingDirectory: '/opt/podwarden',
      watchdogSeconds: 30,
    });
    const service = unit.slice(unit.indexOf('[Service]'), unit.indexOf('[Install]'));
    expect(SERVICE_ENVIRONMENT).toEqual({ MALLOC_ARENA_MAX: '2' });
    expect(service.split('\n')).toContain('Environment=MALLOC_ARENA_MAX=2');
  });
});
