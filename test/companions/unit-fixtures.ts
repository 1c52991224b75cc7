import { LABELS } from '../../src/domain/labels.js';
import type { ContainerSpec } from '../../src/domain/container-spec.js';

/** Companion specs standing for each way a unit differs: network mode, capabilities, health, env. */
function base(name: string): ContainerSpec {
  return {
    name: `podwarden-lnd-${name}`,
    image: '127.0.0.1:5000/podwarden/httpd:1',
    env: {},
    labels: {
      [LABELS.owner]: 'podwarden',
      [LABELS.app]: 'lnd',
      [LABELS.role]: 'companion',
      [LABELS.companion]: name,
      [LABELS.specHash]: '0123456789abcdef',
    },
    ports: [],
    mounts: [],
    tmpfs: [],
    capAdd: [],
    stopTimeoutSeconds: 10,
  };
}

export const UNIT_CASES: Record<string, ContainerSpec> = {
  'host-network': { ...base('host'), network: 'host', command: ['httpd', '-f', '-p', '3010'] },
  'bridge-network': {
    ...base('bridge'),
    network: 'bridge',
    ports: [
      { hostIp: '127.0.0.1', hostPort: 3010, containerPort: 8080, protocol: 'tcp' },
      { hostPort: 9735, containerPort: 9735, protocol: 'udp' },
    ],
    mounts: [
      { source: '/var/lib/podwarden/apps/lnd/data', target: '/lnd', readOnly: true },
      { source: 'podwarden-lnd-macaroons', target: '/macaroons', readOnly: false },
    ],
    tmpfs: ['/tmp'],
  },
  capabilities: { ...base('caps'), capAdd: ['NET_ADMIN', 'NET_RAW'], user: '1000:1000' },
  health: {
    ...base('health'),
    healthcheck: {
      test: ['CMD-SHELL', 'timeout 2 wget -q -O /dev/null http://127.0.0.1:8080/ || exit 1'],
      intervalSeconds: 10,
      timeoutSeconds: 3,
      retries: 3,
      startPeriodSeconds: 5,
    },
  },
  env: {
    ...base('env'),
    env: { LND_NETWORK: 'signet', GREETING: 'hello "world" 100% $HOME', EMPTY: '' },
    command: ['sh', '-c', 'echo "$GREETING" && exec httpd -f -p 8080'],
  },
};
