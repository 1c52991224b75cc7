import { describe, expect, it } from 'vitest';
import { thisPodwarden } from '../../src/service/service-install.js';
import { renderServiceUnit, SERVICE_ENVIRONMENT, SERVICE_NODE_FLAGS } from '../../src/service/service-unit.js';

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

  it("runs node with the service's flags, once, before the script", () => {
    const command = thisPodwarden();
    expect(SERVICE_NODE_FLAGS).toEqual(['--no-opt', '--no-maglev', '--no-sparkplug', '--optimize-for-size']);
    expect(command[0]).toBe(process.execPath);
    for (const flag of SERVICE_NODE_FLAGS) {
      expect(command.filter((word) => word === flag)).toHaveLength(1);
      expect(command.indexOf(flag)).toBeLessThan(command.indexOf(process.argv[1]!));
    }
  });
});
