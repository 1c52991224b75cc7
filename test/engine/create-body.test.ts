import { describe, expect, it } from 'vitest';
import { containerCreateBody } from '../../src/engine/dockerode/create-body.js';
import { LABELS } from '../../src/domain/labels.js';
import { containerSpec } from '../support/container-spec.js';

describe('containerCreateBody', () => {
  it('maps every field of the spec', () => {
    const body = containerCreateBody({
      name: 'web',
      image: '127.0.0.1:5000/podwarden/httpd:1',
      command: ['httpd', '-f'],
      entrypoint: ['/bin/sh', '-c'],
      env: { A: '1', EMPTY: '' },
      labels: { [LABELS.owner]: 'me' },
      ports: [
        { hostIp: '127.0.0.1', hostPort: 8080, containerPort: 80, protocol: 'tcp' },
        { hostPort: 8443, containerPort: 80, protocol: 'tcp' },
        { hostPort: 5353, containerPort: 53, protocol: 'udp' },
      ],
      mounts: [
        { source: '/srv/data', target: '/data', readOnly: true },
        { source: 'web-state', target: '/state', readOnly: false },
      ],
      tmpfs: ['/tmp'],
      network: 'podwarden',
      user: '1000:1000',
      capAdd: ['NET_ADMIN'],
      stopTimeoutSeconds: 20,
      healthcheck: {
        test: ['wget', '-q', 'http://127.0.0.1/'],
        intervalSeconds: 10,
        timeoutSeconds: 2,
        retries: 3,
        startPeriodSeconds: 5,
      },
    });
    expect(body).toEqual({
      Image: '127.0.0.1:5000/podwarden/httpd:1',
      Cmd: ['httpd', '-f'],
      Entrypoint: ['/bin/sh', '-c'],
      Env: ['A=1', 'EMPTY='],
      Labels: { [LABELS.owner]: 'me' },
      ExposedPorts: { '80/tcp': {}, '53/udp': {} },
      User: '1000:1000',
      StopTimeout: 20,
      Healthcheck: {
        Test: ['CMD', 'wget', '-q', 'http://127.0.0.1/'],
        Interval: 10_000_000_000,
        Timeout: 2_000_000_000,
        Retries: 3,
        StartPeriod: 5_000_000_000,
      },
      HostConfig: {
        PortBindings: {
          '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }, { HostPort: '8443' }],
          '53/udp': [{ HostPort: '5353' }],
        },
        Mounts: [
          { Type: 'bind', Source: '/srv/data', Target: '/data', ReadOnly: true },
          { Type: 'volume', Source: 'web-state', Target: '/state', ReadOnly: false },
        ],
        Tmpfs: { '/tmp': '' },
        CapAdd: ['NET_ADMIN'],
        NetworkMode: 'podwarden',
      },
    });
  });

  it('leaves optional fields out and keeps an explicit health check form', () => {
    const body = containerCreateBody(
      containerSpec('x', 'img', {
        healthcheck: {
          test: ['CMD-SHELL', 'true'],
          intervalSeconds: 1,
          timeoutSeconds: 1,
          retries: 1,
          startPeriodSeconds: 0,
        },
      }),
    );
    expect(body).not.toHaveProperty('Cmd');
    expect(body).not.toHaveProperty('Entrypoint');
    expect(body).not.toHaveProperty('User');
    expect(body).not.toHaveProperty('StopTimeout');
    expect(body.HostConfig).not.toHaveProperty('NetworkMode');
    expect((body.Healthcheck as { Test: string[] }).Test).toEqual(['CMD-SHELL', 'true']);
  });
});
